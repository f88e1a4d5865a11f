import csv
from decimal import Decimal

from invoicing import PERCENT, Discount, to_csv, write_csv
from invoicing.export import HEADER


def test_csv_has_header_lines_and_summary(invoice):
    rows = list(csv.reader(to_csv(invoice).splitlines()))
    assert rows[0] == HEADER
    assert rows[1] == ["INV-1001", "KB-01", "Keyboard", "2", "49.90", "99.80", "20.00%"]
    assert [row[2] for row in rows[4:]] == ["NET", "TAX", "TAX", "GROSS"]
    assert rows[-1][5] == "182.27"


def test_csv_lists_the_discount_as_a_negative_amount(invoice):
    invoice.discount = Discount("SPRING10", PERCENT, Decimal("10"))
    rows = list(csv.reader(to_csv(invoice).splitlines()))
    assert ["INV-1001", "", "DISCOUNT SPRING10", "", "", "-15.58", ""] in rows


def test_write_csv_writes_utf8_file(invoice, tmp_path):
    path = write_csv(invoice, tmp_path / "inv.csv")
    assert path.read_text(encoding="utf-8") == to_csv(invoice)
