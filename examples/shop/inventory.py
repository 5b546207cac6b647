"""Stock levels and reservations for pending orders."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass


class InventoryError(Exception):
    """Base class of every inventory failure."""


class UnknownSku(InventoryError, KeyError):
    """The SKU is not stocked at all."""


class OutOfStock(InventoryError):
    """Fewer units are available than were requested."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"{sku}: requested {requested}, only {available} available")
        self.sku = sku
        self.requested = requested
        self.available = available


class ReservationNotFound(InventoryError, KeyError):
    """No open reservation has that id."""


@dataclass(frozen=True)
class Reservation:
    """Units set aside for an order until they are committed or released."""

    id: str
    sku: str
    quantity: int


def _counter_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"R{next(counter):04d}"


class Inventory:
    """Units on hand per SKU, minus what open reservations hold."""

    def __init__(
        self,
        stock: Mapping[str, int] | None = None,
        id_factory: Callable[[], str] | None = None,
    ) -> None:
        self._on_hand: dict[str, int] = {}
        self._reservations: dict[str, Reservation] = {}
        # Ids come from an injected factory so runs are reproducible.
        self._new_id = id_factory or _counter_ids()
        for sku, quantity in (stock or {}).items():
            if quantity < 0:
                raise ValueError(f"{sku}: stock must not be negative")
            self._on_hand[sku] = quantity

    def on_hand(self, sku: str) -> int:
        """Units physically in stock, reserved or not."""
        if sku not in self._on_hand:
            raise UnknownSku(sku)
        return self._on_hand[sku]

    def reserved(self, sku: str) -> int:
        """Units of ``sku`` held by open reservations."""
        return sum(r.quantity for r in self._reservations.values() if r.sku == sku)

    def available(self, sku: str) -> int:
        """Units that can still be reserved."""
        return self.on_hand(sku) - self.reserved(sku)

    def restock(self, sku: str, quantity: int) -> int:
        """Add units (a new SKU starts at zero); return the new on-hand count."""
        if quantity <= 0:
            raise ValueError("restock quantity must be positive")
        self._on_hand[sku] = self._on_hand.get(sku, 0) + quantity
        return self._on_hand[sku]

    def reserve(self, sku: str, quantity: int) -> Reservation:
        """Set ``quantity`` units aside, or raise OutOfStock."""
        if quantity <= 0:
            raise ValueError("reservation quantity must be positive")
        available = self.available(sku)
        if quantity > available:
            raise OutOfStock(sku, quantity, available)
        reservation = Reservation(self._new_id(), sku, quantity)
        self._reservations[reservation.id] = reservation
        return reservation

    def release(self, reservation_id: str) -> Reservation:
        """Cancel a reservation; its units become available again."""
        try:
            return self._reservations.pop(reservation_id)
        except KeyError:
            raise ReservationNotFound(reservation_id) from None

    def commit(self, reservation_id: str) -> int:
        """Ship a reservation: its units leave the stock. Return units left on hand."""
        reservation = self.release(reservation_id)
        self._on_hand[reservation.sku] -= reservation.quantity
        return self._on_hand[reservation.sku]

    def low_stock(self, threshold: int = 5) -> list[str]:
        """SKUs whose available units are at or below ``threshold``, sorted."""
        if threshold < 0:
            raise ValueError("threshold must not be negative")
        return sorted(sku for sku in self._on_hand if self.available(sku) <= threshold)
