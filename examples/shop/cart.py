"""A shopping cart: line items, quantities, discount codes and totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shop.pricing import round_money, shipping_quote, tax_for

MAX_QUANTITY = 99

#: code -> (kind, value, minimum subtotal). kind is "percent" or "fixed".
DISCOUNT_CODES: dict[str, tuple[str, Decimal, Decimal]] = {
    "WELCOME10": ("percent", Decimal("10"), Decimal("0")),
    "SAVE5": ("fixed", Decimal("5.00"), Decimal("20.00")),
    "HALFOFF": ("percent", Decimal("50"), Decimal("100.00")),
}


@dataclass
class LineItem:
    """One product in the cart."""

    sku: str
    unit_price: Decimal
    quantity: int = 1
    weight_kg: float = 0.0

    @property
    def subtotal(self) -> Decimal:
        """Price of all units of this item."""
        return self.unit_price * self.quantity


class Cart:
    """A customer's cart. Prices are Decimals; quantities are whole units."""

    def __init__(self) -> None:
        self._items: dict[str, LineItem] = {}
        self._discount_code: str | None = None

    def __len__(self) -> int:
        return sum(item.quantity for item in self._items.values())

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    @property
    def items(self) -> list[LineItem]:
        """The line items, ordered by SKU."""
        return [self._items[sku] for sku in sorted(self._items)]

    @property
    def discount_code(self) -> str | None:
        """The applied discount code, if any."""
        return self._discount_code

    def add(
        self, sku: str, unit_price: Decimal, quantity: int = 1, weight_kg: float = 0.0
    ) -> LineItem:
        """Add ``quantity`` units of a product; adding a known SKU raises its quantity."""
        sku = sku.strip().upper()
        if not sku:
            raise ValueError("sku must not be empty")
        if unit_price < 0:
            raise ValueError("unit price must not be negative")
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        if weight_kg < 0:
            raise ValueError("weight must not be negative")
        item = self._items.get(sku)
        if item is None:
            if quantity > MAX_QUANTITY:
                raise ValueError(f"at most {MAX_QUANTITY} units per item")
            item = LineItem(sku, unit_price, quantity, weight_kg)
            self._items[sku] = item
            return item
        if item.unit_price != unit_price:
            raise ValueError(f"{sku} is already in the cart at {item.unit_price}")
        if item.quantity + quantity > MAX_QUANTITY:
            raise ValueError(f"at most {MAX_QUANTITY} units per item")
        item.quantity += quantity
        return item

    def remove(self, sku: str, quantity: int | None = None) -> int:
        """Remove units of a product (all of them by default); return what is left."""
        key = sku.strip().upper()
        if key not in self._items:
            raise KeyError(f"{sku!r} is not in the cart")
        if quantity is not None and quantity < 1:
            raise ValueError("quantity must be at least 1")
        item = self._items[key]
        if quantity is None or quantity >= item.quantity:
            del self._items[key]
            return 0
        item.quantity -= quantity
        return item.quantity

    def quantity_of(self, sku: str) -> int:
        """How many units of ``sku`` the cart holds (0 when absent)."""
        item = self._items.get(sku.strip().upper())
        return 0 if item is None else item.quantity

    def apply_discount(self, code: str) -> None:
        """Apply a discount code; only one code applies at a time."""
        key = code.strip().upper()
        if key not in DISCOUNT_CODES:
            raise KeyError(f"unknown discount code: {code!r}")
        _, _, minimum = DISCOUNT_CODES[key]
        if self.subtotal() < minimum:
            raise ValueError(f"{key} needs a subtotal of at least {minimum}")
        self._discount_code = key

    def clear_discount(self) -> None:
        """Remove the applied discount code, if any."""
        self._discount_code = None

    def subtotal(self) -> Decimal:
        """Sum of the line items before discount, tax and shipping."""
        return sum((item.subtotal for item in self._items.values()), Decimal("0"))

    def discount(self) -> Decimal:
        """The amount the applied code takes off (never more than the subtotal)."""
        if self._discount_code is None:
            return Decimal("0.00")
        kind, value, minimum = DISCOUNT_CODES[self._discount_code]
        subtotal = self.subtotal()
        if subtotal < minimum:
            # Items were removed after the code was applied: it no longer counts.
            return Decimal("0.00")
        if kind == "percent":
            return round_money(subtotal * value / 100)
        return min(value, subtotal)

    def total_weight(self) -> float:
        """Weight of every unit in the cart, in kilograms."""
        return sum(item.weight_kg * item.quantity for item in self._items.values())

    def total(self, region: str | None = None) -> Decimal:
        """The amount to pay: discounted subtotal, plus tax and shipping for ``region``."""
        if not self._items:
            return Decimal("0.00")
        net = self.subtotal() - self.discount()
        if region is None:
            return round_money(net)
        total = net + tax_for(net, region)
        weight = self.total_weight()
        if weight > 0:
            total += shipping_quote(weight, region, subtotal=net).cost
        return round_money(total)
