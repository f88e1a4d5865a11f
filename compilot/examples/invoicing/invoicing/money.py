"""Money helpers: parsing amounts, rounding to cents and formatting for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """An amount that cannot be used as money (not a number, NaN, infinite)."""


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Parse value as an exact Decimal.

    Floats are refused on purpose: `0.1 + 0.2` is not `0.3`, and an invoice
    must add up to the cent. Pass strings such as "19.99" instead.
    """
    if isinstance(value, float):
        raise MoneyError(f"use a string or Decimal for money, not the float {value!r}")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return amount


def round_money(amount: Decimal) -> Decimal:
    """Round amount to whole cents."""
    return amount.quantize(CENT)


def format_money(amount: Decimal, currency: str = "EUR") -> str:
    """Human form with thousands separators: `format_money(Decimal("1234.5"))` -> "1,234.50 EUR"."""
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{rounded:,.2f} {currency}"
