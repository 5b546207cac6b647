"""Tax and shipping rules, by region and parcel weight."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: Sales tax (or VAT) rate per region code.
TAX_RATES: dict[str, Decimal] = {
    "EU": Decimal("0.20"),
    "UK": Decimal("0.20"),
    "US": Decimal("0.07"),
    "CA": Decimal("0.13"),
}

#: Orders at or above this subtotal ship free (standard service, light parcels).
FREE_SHIPPING_THRESHOLD = Decimal("50.00")
MAX_PARCEL_KG = 30.0
HEAVY_PARCEL_KG = 10.0
HEAVY_SURCHARGE = Decimal("10.00")


def round_money(amount: Decimal) -> Decimal:
    """Round an amount to whole cents, halves going up.

    >>> round_money(Decimal("2.005"))
    Decimal('2.01')
    >>> round_money(Decimal("-1.234"))
    Decimal('-1.23')
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_region(region: str) -> str:
    """Return the canonical region code, or raise for an unknown one."""
    code = region.strip().upper()
    if not code:
        raise ValueError("region must not be empty")
    if code == "GB":
        # Customers type both; the tax tables only know the UK code.
        code = "UK"
    if code not in TAX_RATES:
        raise KeyError(f"unknown region: {region!r}")
    return code


def tax_rate(region: str) -> Decimal:
    """The tax rate of a region, e.g. ``Decimal('0.20')`` for the EU."""
    return TAX_RATES[normalize_region(region)]


def tax_for(amount: Decimal, region: str) -> Decimal:
    """The tax due on ``amount`` in ``region``, rounded to cents."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    return round_money(amount * tax_rate(region))


@dataclass(frozen=True)
class ShippingQuote:
    """What shipping a parcel costs, and who carries it."""

    region: str
    weight_kg: float
    cost: Decimal
    carrier: str
    express: bool = False

    @property
    def is_free(self) -> bool:
        """True when the customer pays nothing for shipping."""
        return self.cost == 0


def _carrier_rates(region: str) -> tuple[str, Decimal, Decimal]:
    """(carrier, base price, price per extra started kilogram) for a region."""
    if region in ("EU", "UK"):
        return "PostEU", Decimal("4.90"), Decimal("1.20")
    if region == "US":
        return "USPS", Decimal("5.50"), Decimal("0.90")
    return "CanadaPost", Decimal("7.00"), Decimal("1.50")


def shipping_quote(
    weight_kg: float,
    region: str,
    subtotal: Decimal = Decimal("0"),
    express: bool = False,
) -> ShippingQuote:
    """Quote shipping for a parcel of ``weight_kg`` to ``region``.

    The first kilogram is in the base price; every further started kilogram
    costs extra, parcels over 10 kg pay a surcharge, express doubles the
    price, and standard parcels up to 10 kg ship free from 50.00.
    """
    if weight_kg <= 0:
        raise ValueError("weight must be positive")
    if weight_kg > MAX_PARCEL_KG:
        raise ValueError(f"parcels over {MAX_PARCEL_KG:g} kg are not accepted")
    code = normalize_region(region)
    carrier, base, per_kg = _carrier_rates(code)

    if not express and weight_kg <= HEAVY_PARCEL_KG and subtotal >= FREE_SHIPPING_THRESHOLD:
        return ShippingQuote(code, weight_kg, Decimal("0.00"), carrier, express)

    extra_kg = max(0, math.ceil(weight_kg - 1))
    cost = base + per_kg * extra_kg
    if weight_kg > HEAVY_PARCEL_KG:
        cost += HEAVY_SURCHARGE
    if express:
        cost *= 2
    return ShippingQuote(code, weight_kg, round_money(cost), carrier, express)
