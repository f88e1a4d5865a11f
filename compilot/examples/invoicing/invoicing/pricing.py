"""Invoice totals: net, discount, tax per rate and gross, all in whole cents.

Order of operations (as agreed with accounting):
1. net total = sum of the line nets;
2. the discount is taken off the net total, shared between the tax rates in proportion
   to their net amounts;
3. tax is computed once per tax rate on the discounted net of that rate, then rounded to
   the cent;
4. gross = discounted net + tax.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from invoicing.models import Invoice
from invoicing.money import round_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceTotals:
    """The amounts printed at the bottom of an invoice."""

    net: Decimal
    discount: Decimal
    tax_by_rate: dict[Decimal, Decimal]
    tax: Decimal
    gross: Decimal


def net_by_rate(invoice: Invoice) -> dict[Decimal, Decimal]:
    """Sum of line nets for each tax rate, in first-seen order."""
    totals: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        totals[line.tax_rate] += line.net
    return dict(totals)


def split_discount(discount: Decimal, nets: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
    """Share discount between the rates in proportion to their nets; shares add up exactly."""
    total = sum(nets.values(), ZERO)
    if not discount or not total:
        return {rate: ZERO for rate in nets}
    shares, given = {}, ZERO
    rates = list(nets)
    for rate in rates[:-1]:
        shares[rate] = round_money(discount * nets[rate] / total)
        given += shares[rate]
    shares[rates[-1]] = discount - given
    return shares


def invoice_totals(invoice: Invoice) -> InvoiceTotals:
    """Compute the totals of invoice (see the module docstring for the order of operations)."""
    nets = net_by_rate(invoice)
    net = round_money(sum(nets.values(), ZERO))
    discount = ZERO
    if invoice.discount is not None:
        discount = round_money(invoice.discount.amount_off(net))
    shares = split_discount(discount, nets)
    tax_by_rate = {rate: round_money((nets[rate] - shares[rate]) * rate) for rate in nets}
    tax = sum(tax_by_rate.values(), ZERO)
    return InvoiceTotals(net=net, discount=discount, tax_by_rate=tax_by_rate, tax=tax,
                         gross=net - discount + tax)
