"""Rejecting some tests Regoose added to the project's file leaves the project's text alone."""

from __future__ import annotations

from regoose_tui.domain.class_insert import ADDED_MARK
from regoose_tui.engine.joined_prune import is_joined, prune_joined
from regoose_tui.engine.suite_parts import prune_suite

MARK = ADDED_MARK.format(module="shop.cart")

HOST = """\
import pytest

from shop.cart import (
    Cart,
)

LIMIT = 3


def make():
    return Cart()


def test_mine():
    assert Cart().total() == 0
"""

JOINED = f"""\
import pytest

from shop.cart import Cart, parse_price

LIMIT = 3


def make():
    return Cart()


def test_mine():
    assert Cart().total() == 0


{MARK}
class TestCart:
    def test_limit(self):
        with pytest.raises(ValueError):
            make().add("x", LIMIT + 1)


class TestParsePrice:
    def test_cents(self):
        assert parse_price("1.50") == 150
"""


def test_the_projects_imports_helpers_and_constants_stay_and_its_from_line_is_its_own() -> None:
    assert is_joined(HOST, JOINED) and not is_joined(None, JOINED)
    pruned = prune_joined(HOST, JOINED, {"TestCart", "TestCart::test_limit", "TestParsePrice"})
    assert pruned == HOST
    # Without the project's text to keep, pruning alone drops what only TestCart used.
    plain = prune_suite(JOINED, {"TestCart", "TestCart::test_limit"})
    assert "import pytest" not in plain and "def make" not in plain


def test_the_mark_stays_above_what_is_left_of_the_block() -> None:
    pruned = prune_joined(HOST, JOINED, {"TestCart", "TestCart::test_limit"})
    assert pruned == HOST.replace(
        "from shop.cart import (\n    Cart,\n)", "from shop.cart import Cart, parse_price"
    ) + (
        f"\n\n{MARK}\nclass TestParsePrice:\n    def test_cents(self):\n"
        '        assert parse_price("1.50") == 150\n'
    )
    assert prune_joined(HOST, JOINED, set()) == JOINED
