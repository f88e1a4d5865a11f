"""A small invoicing library: line items, discounts, tax per rate and a CSV export."""

from invoicing.export import to_csv, write_csv
from invoicing.models import FIXED, PERCENT, Discount, Invoice, LineItem
from invoicing.money import MoneyError, format_money, round_money, to_decimal
from invoicing.pricing import InvoiceTotals, invoice_totals

__all__ = [
    "FIXED", "PERCENT", "Discount", "Invoice", "InvoiceTotals", "LineItem", "MoneyError",
    "format_money", "invoice_totals", "round_money", "to_csv", "to_decimal", "write_csv",
]
