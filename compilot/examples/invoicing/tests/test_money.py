from decimal import Decimal

import pytest
from invoicing import MoneyError, format_money, round_money, to_decimal


def test_to_decimal_parses_strings_and_ints():
    assert to_decimal("19.99") == Decimal("19.99")
    assert to_decimal(3) == Decimal(3)


@pytest.mark.parametrize("bad", [0.1, "abc", "NaN", "Infinity", None])
def test_to_decimal_rejects_floats_and_non_amounts(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_round_money_rounds_to_cents():
    assert round_money(Decimal("1.234")) == Decimal("1.23")
    assert round_money(Decimal("1.236")) == Decimal("1.24")
    assert round_money(Decimal("7")) == Decimal("7.00")


def test_format_money_uses_thousands_separators():
    assert format_money(Decimal("1234.5")) == "1,234.50 EUR"
    assert format_money(Decimal("0"), "USD") == "0.00 USD"
