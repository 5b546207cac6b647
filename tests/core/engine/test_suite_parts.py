"""Splitting a proposed suite into reviewable tests, and pruning the rejected ones."""

from __future__ import annotations

import ast

from regoose_tui.engine.suite_parts import prune_suite, split_suite

SUITE = '''\
"""Generated tests for shop.cart."""

import math

import pytest

from shop.cart import Cart, discount

LIMIT = 10


@pytest.fixture
def cart():
    return Cart()


def _approx(x):
    return pytest.approx(x)


def test_empty_total(cart):
    assert cart.total() == 0


# checks discount
def test_discount_rounds():
    assert discount(10) == _approx(math.floor(9.5))


class TestCart:
    def test_add(self, cart):
        cart.add("x", 1)
        assert cart.total() == 1

    def test_limit(self):
        assert LIMIT == 10
'''


def _names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def test_split_lists_functions_classes_and_methods_in_file_order() -> None:
    parts = split_suite(SUITE)
    assert [(t.id, t.kind, t.parent) for t in parts.tests] == [
        ("test_empty_total", "function", None),
        ("test_discount_rounds", "function", None),
        ("TestCart", "class", None),
        ("TestCart::test_add", "method", "TestCart"),
        ("TestCart::test_limit", "method", "TestCart"),
    ]
    assert [t.id for t in parts.leaves] == [
        "test_empty_total",
        "test_discount_rounds",
        "TestCart::test_add",
        "TestCart::test_limit",
    ]
    # The comment right above a test belongs to it; helpers and fixtures are no tests.
    discount_test = parts.get("test_discount_rounds")
    assert discount_test is not None
    assert discount_test.source.startswith("# checks discount\ndef test_discount_rounds")
    assert parts.get("_approx") is None and parts.get("cart") is None


def test_a_class_without_test_methods_is_not_reviewable() -> None:
    assert split_suite("class TestHelper:\n    x = 1\n").tests == ()


def test_pruning_drops_the_tests_and_the_imports_and_constants_only_they_used() -> None:
    pruned = prune_suite(SUITE, {"test_discount_rounds", "TestCart::test_limit"})
    compile(pruned, "pruned.py", "exec")
    assert [t.id for t in split_suite(pruned).leaves] == ["test_empty_total", "TestCart::test_add"]
    assert "import math" not in pruned and "discount" not in pruned
    assert "LIMIT" not in pruned and "_approx" not in pruned
    # What the kept tests need stays: the fixture, pytest, Cart.
    assert "def cart():" in pruned and "import pytest" in pruned
    assert "from shop.cart import Cart\n" in pruned
    # The kept text is byte for byte as proposed, with ruff's blank-line layout.
    assert '"""Generated tests for shop.cart."""\n\nimport pytest\n\nfrom shop.cart' in pruned
    assert "class TestCart:\n    def test_add(self, cart):\n" in pruned
    assert "\n\n\n\n" not in pruned and pruned.endswith("1\n")


def test_a_fixture_only_a_rejected_test_asked_for_goes_too() -> None:
    pruned = prune_suite(SUITE, {"test_empty_total", "TestCart::test_add"})
    assert "def cart():" not in pruned and "Cart," not in pruned
    assert "from shop.cart import discount" in pruned
    assert {"discount", "_approx", "math", "LIMIT"} <= _names(pruned)
    assert [t.id for t in split_suite(pruned).leaves] == [
        "test_discount_rounds",
        "TestCart::test_limit",
    ]


def test_a_class_goes_whole_when_it_or_all_its_methods_are_rejected() -> None:
    by_class = prune_suite(SUITE, {"TestCart"})
    by_methods = prune_suite(SUITE, {"TestCart::test_add", "TestCart::test_limit"})
    assert by_class == by_methods
    assert "class TestCart" not in by_class and "LIMIT" not in by_class
    assert "def cart():" in by_class  # test_empty_total still asks for it


def test_rejecting_everything_leaves_nothing_and_no_rejection_changes_nothing() -> None:
    everything = {t.id for t in split_suite(SUITE).tests}
    assert prune_suite(SUITE, everything) == ""
    assert prune_suite(SUITE, set()) == SUITE


def test_what_nothing_used_before_the_review_is_not_pruned() -> None:
    source = "import conftest_plugin  # noqa: F401\nimport os\n\n\ndef test_a():\n    assert os.sep\n\n\ndef test_b():\n    assert True\n"
    pruned = prune_suite(source, {"test_a"})
    assert "import conftest_plugin" in pruned and "import os" not in pruned


def test_autouse_fixtures_and_fixtures_named_in_strings_stay() -> None:
    source = """\
import pytest


@pytest.fixture(autouse=True)
def clean():
    yield


@pytest.fixture
def db():
    return {}


@pytest.mark.usefixtures("db")
def test_a():
    assert True


def test_b(db):
    assert db == {}
"""
    pruned = prune_suite(source, {"test_b"})
    assert "def clean():" in pruned and "def db():" in pruned and "def test_b" not in pruned


def test_a_rejected_change_to_a_project_test_puts_the_project_version_back() -> None:
    mine = "def test_a():\n    assert 1 == 1\n"
    proposed = "def test_a():\n    assert 2 == 2\n\n\ndef test_new():\n    assert True\n"
    pruned = prune_suite(proposed, {"test_a"}, {"test_a": mine})
    assert pruned == "def test_a():\n    assert 1 == 1\n\n\ndef test_new():\n    assert True\n"


def test_a_partial_from_import_keeps_its_other_names() -> None:
    source = "from math import floor, sqrt\n\n\ndef test_f():\n    assert floor(1.5) == 1\n\n\ndef test_s():\n    assert sqrt(4) == 2\n"
    pruned = prune_suite(source, {"test_s"})
    assert pruned.startswith("from math import floor\n")
