"""CSV export of an invoice, in the column layout our bookkeeping import expects."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from invoicing.models import Invoice
from invoicing.money import round_money
from invoicing.pricing import invoice_totals

HEADER = ["invoice", "sku", "description", "quantity", "unit_price", "net", "tax_rate"]


def _percent(rate: Decimal) -> str:
    return f"{rate * 100:.2f}%"


def invoice_rows(invoice: Invoice) -> list[list[str]]:
    """One row per line item, then the summary rows (net, discount, tax per rate, gross)."""
    rows = [[invoice.number, line.sku, line.description, str(line.quantity),
             f"{line.unit_price:.2f}", f"{round_money(line.net):.2f}", _percent(line.tax_rate)]
            for line in invoice.lines]
    totals = invoice_totals(invoice)
    rows.append([invoice.number, "", "NET", "", "", f"{totals.net:.2f}", ""])
    if totals.discount:
        code = invoice.discount.code if invoice.discount else ""
        rows.append([invoice.number, "", f"DISCOUNT {code}".strip(), "", "",
                     f"-{totals.discount:.2f}", ""])
    for rate, tax in totals.tax_by_rate.items():
        rows.append([invoice.number, "", "TAX", "", "", f"{tax:.2f}", _percent(rate)])
    rows.append([invoice.number, "", "GROSS", "", "", f"{totals.gross:.2f}", ""])
    return rows


def to_csv(invoice: Invoice) -> str:
    """The invoice as CSV text (comma separated, header first, `\\n` line endings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(invoice_rows(invoice))
    return buffer.getvalue()


def write_csv(invoice: Invoice, path: Path) -> Path:
    """Write to_csv(invoice) to path (UTF-8) and return path."""
    path.write_text(to_csv(invoice), encoding="utf-8")
    return path
