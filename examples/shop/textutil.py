"""Text helpers for product pages and order forms."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_QUANTITY = re.compile(r"^\s*(?:x\s*)?(\d+)\s*(?:x|pcs?|units?)?\s*$", re.IGNORECASE)
CURRENCY_SYMBOLS = "$€£"


def slugify(text: str, max_length: int = 50, sep: str = "-") -> str:
    """Turn a product name into a URL slug.

    >>> slugify("Hello, World!")
    'hello-world'
    >>> slugify("  Crème brûlée  ")
    'creme-brulee'
    >>> slugify("A very long product name", max_length=10)
    'a-very'
    """
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_ALNUM.sub(sep, ascii_text.lower()).strip(sep)
    if len(slug) <= max_length:
        return slug
    cut = slug[:max_length]
    # Prefer ending on a whole word when one fits.
    if sep in cut and slug[max_length] != sep:
        cut = cut.rsplit(sep, 1)[0]
    return cut.strip(sep)


def truncate(text: str, width: int, placeholder: str = "…") -> str:
    """Shorten ``text`` to at most ``width`` characters, ending with ``placeholder``.

    >>> truncate("The quick brown fox", 12)
    'The quick…'
    >>> truncate("short", 10)
    'short'
    """
    if width < len(placeholder):
        raise ValueError("width is smaller than the placeholder")
    if len(text) <= width:
        return text
    room = width - len(placeholder)
    head = text[:room]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head.rstrip() + placeholder


def parse_price(text: str) -> Decimal:
    """Parse a price typed by a person, such as ``"$1,234.50"``.

    >>> parse_price("$1,234.50")
    Decimal('1234.50')
    >>> parse_price(" 12 ")
    Decimal('12')
    """
    cleaned = text.strip().lstrip(CURRENCY_SYMBOLS).strip().replace(",", "")
    if not cleaned:
        raise ValueError("empty price")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a price: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a price: {text!r}")
    if value < 0:
        raise ValueError("price must not be negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("price has more than two decimals")
    return value


def parse_quantity(text: str) -> int:
    """Parse a quantity such as ``"3"``, ``"x3"``, ``"3x"`` or ``"3 pcs"``."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"not a quantity: {text!r}")
    quantity = int(match.group(1))
    if quantity == 0:
        raise ValueError("quantity must be at least 1")
    return quantity


def parse_order_line(line: str) -> tuple[str, int]:
    """Split an order line ``"SKU-1 x 3"`` into ``("SKU-1", 3)``; the quantity defaults to 1."""
    parts = line.strip().split(None, 1)
    if not parts:
        raise ValueError("empty order line")
    sku = parts[0].upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", sku):
        raise ValueError(f"bad SKU: {parts[0]!r}")
    quantity = parse_quantity(parts[1]) if len(parts) == 2 else 1
    return sku, quantity
