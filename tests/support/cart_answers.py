"""Scripted model answers about examples/shop/cart.py, shared by the LLM e2e tests and
scripts/record_cassette.py (the shipped cassette was recorded from these)."""

from __future__ import annotations

#: Three passing tests that reach Cart's add/total paths: the model's usual first answer.
CART_TESTS = """from decimal import Decimal

import pytest

from shop.cart import Cart


def test_an_empty_cart_totals_zero():
    assert Cart().total() == Decimal("0.00")


def test_adding_a_known_sku_raises_its_quantity():
    cart = Cart()
    cart.add("ab", Decimal("2.00"))
    cart.add("AB", Decimal("2.00"), 2)
    assert cart.quantity_of("ab") == 3


def test_a_negative_price_is_refused():
    with pytest.raises(ValueError, match="negative"):
        Cart().add("x", Decimal("-1"))
"""


def fenced(code: str, intro: str = "Here are the tests.") -> str:
    """``code`` as a model answers it: a sentence, then one fenced python block."""
    return f"{intro}\n\n```python\n{code}```\n"
