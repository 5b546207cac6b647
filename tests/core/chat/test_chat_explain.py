"""Failures explained from pytest's own report."""

from __future__ import annotations

from regoose_tui.chat.explain import FailureInfo, explain_failure, find_failure

ASSERTION = FailureInfo(
    name="/p/tests/test_cart.py::test_total_with_discount",
    message="AssertionError: assert Decimal('9.00') == Decimal('10.00')",
    traceback="""def test_total_with_discount():
        cart = Cart()
>       assert cart.total() == Decimal('10.00')
E       AssertionError: assert Decimal('9.00') == Decimal('10.00')

tests/test_cart.py:12: AssertionError""",
)

RAISED = FailureInfo(
    name="/p/tests/test_cart.py::test_remove",
    message="KeyError: 'apple'",
    traceback="""shop/cart.py:40: in remove
    del self._items[sku]
E   KeyError: 'apple'""",
)


def test_assertion_says_expected_and_actual() -> None:
    text = explain_failure(ASSERTION)
    assert "**test_total_with_discount** failed with `AssertionError`" in text
    assert "expected `Decimal('10.00')` but the code gave `Decimal('9.00')`" in text
    assert "tests/test_cart.py:12" in text
    assert "assert cart.total() == Decimal('10.00')" in text


def test_exception_gets_location_and_hint() -> None:
    text = explain_failure(RAISED)
    assert "`KeyError`" in text
    assert "`shop/cart.py:40` in `remove`" in text
    assert "dictionary lookup" in text
    assert "LLM provider" in text


def test_find_failure_by_name_or_latest() -> None:
    failures = [ASSERTION, RAISED]
    assert find_failure(failures, "test_remove") is RAISED
    assert find_failure(failures, None) is RAISED
    assert find_failure(failures, "test_total") is ASSERTION
    assert find_failure(failures, "test_unknown") is None
    assert find_failure([], None) is None
