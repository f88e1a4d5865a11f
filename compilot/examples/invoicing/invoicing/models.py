"""Invoices, their line items and discounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from invoicing.money import to_decimal

PERCENT = "percent"
FIXED = "fixed"


@dataclass(frozen=True)
class LineItem:
    """One line of an invoice: quantity x unit price, taxed at tax_rate (0.20 for 20 %)."""

    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal = Decimal("0.20")

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"{self.sku}: quantity must be positive, got {self.quantity}")
        object.__setattr__(self, "unit_price", to_decimal(self.unit_price))
        object.__setattr__(self, "tax_rate", to_decimal(self.tax_rate))
        if not Decimal(0) <= self.tax_rate < Decimal(1):
            raise ValueError(f"{self.sku}: tax rate must be in [0, 1), got {self.tax_rate}")

    @property
    def net(self) -> Decimal:
        """Quantity times unit price, before discount and tax."""
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Discount:
    """A discount on the whole invoice: a percentage of the net total or a fixed amount."""

    code: str
    kind: str
    value: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", to_decimal(self.value))
        if self.kind not in (PERCENT, FIXED):
            raise ValueError(f"discount {self.code}: kind must be {PERCENT!r} or {FIXED!r}")
        if self.value < 0:
            raise ValueError(f"discount {self.code}: value must not be negative")
        if self.kind == PERCENT and self.value > 100:
            raise ValueError(f"discount {self.code}: a percentage cannot exceed 100")

    def amount_off(self, net_total: Decimal) -> Decimal:
        """How much this discount takes off net_total (never more than net_total)."""
        if self.kind == PERCENT:
            return net_total * self.value / 100
        return min(self.value, net_total)


@dataclass
class Invoice:
    """An invoice being built: add lines, optionally one discount, then compute totals."""

    number: str
    customer: str
    issued: date = field(default_factory=date.today)
    currency: str = "EUR"
    lines: list[LineItem] = field(default_factory=list)
    discount: Discount | None = None

    def add_line(self, line: LineItem) -> LineItem:
        """Append line; a SKU may appear only once per invoice."""
        if any(existing.sku == line.sku for existing in self.lines):
            raise ValueError(f"{self.number}: SKU {line.sku} is already on the invoice")
        self.lines.append(line)
        return line
