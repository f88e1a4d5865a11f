from decimal import Decimal

import pytest
from invoicing import FIXED, PERCENT, Discount, Invoice, LineItem, invoice_totals


def test_line_net_is_quantity_times_unit_price():
    assert LineItem("A", "Thing", 3, Decimal("2.50")).net == Decimal("7.50")


def test_line_item_validation():
    with pytest.raises(ValueError, match="quantity"):
        LineItem("A", "Thing", 0, Decimal("1.00"))
    with pytest.raises(ValueError, match="tax rate"):
        LineItem("A", "Thing", 1, Decimal("1.00"), Decimal("1.5"))


def test_duplicate_sku_is_refused(invoice):
    with pytest.raises(ValueError, match="already"):
        invoice.add_line(LineItem("KB-01", "Keyboard", 1, Decimal("49.90")))


def test_totals_without_discount(invoice):
    totals = invoice_totals(invoice)
    assert totals.net == Decimal("155.79")
    assert totals.discount == Decimal("0.00")
    assert totals.tax_by_rate == {Decimal("0.20"): Decimal("23.96"),
                                  Decimal("0.07"): Decimal("2.52")}
    assert totals.tax == Decimal("26.48")
    assert totals.gross == Decimal("182.27")


def test_percent_discount_is_taken_off_before_tax(invoice):
    invoice.discount = Discount("SPRING10", PERCENT, Decimal("10"))
    totals = invoice_totals(invoice)
    assert totals.discount == Decimal("15.58")
    assert totals.tax_by_rate == {Decimal("0.20"): Decimal("21.56"),
                                  Decimal("0.07"): Decimal("2.27")}
    assert totals.gross == Decimal("164.04")


def test_fixed_discount_never_exceeds_the_net_total():
    inv = Invoice(number="INV-2", customer="Bob")
    inv.add_line(LineItem("A", "Sticker", 2, Decimal("1.50")))
    inv.discount = Discount("WELCOME", FIXED, Decimal("5.00"))
    totals = invoice_totals(inv)
    assert totals.discount == Decimal("3.00")
    assert totals.tax == Decimal("0.00")
    assert totals.gross == Decimal("0.00")


def test_invalid_discounts_are_refused():
    with pytest.raises(ValueError, match="exceed 100"):
        Discount("TOO-MUCH", PERCENT, Decimal("150"))
    with pytest.raises(ValueError, match="kind"):
        Discount("ODD", "bogo", Decimal("1"))


def test_empty_invoice_totals_are_zero():
    totals = invoice_totals(Invoice(number="INV-0", customer="Nobody"))
    assert (totals.net, totals.tax, totals.gross) == (Decimal("0.00"),) * 3
