from datetime import date
from decimal import Decimal

import pytest
from invoicing import Invoice, LineItem


@pytest.fixture
def invoice() -> Invoice:
    """Two lines at the standard rate and one at the reduced rate."""
    inv = Invoice(number="INV-1001", customer="Acme GmbH", issued=date(2024, 3, 1))
    inv.add_line(LineItem("KB-01", "Keyboard", 2, Decimal("49.90")))
    inv.add_line(LineItem("MS-02", "Mouse", 1, Decimal("19.99")))
    inv.add_line(LineItem("BK-03", "Manual (print)", 3, Decimal("12.00"), Decimal("0.07")))
    return inv
