"""analyze_module on a sample module: functions, classes, literals, doctests, errors."""

from __future__ import annotations

import pytest
from synth_samples import CART_SOURCE

from regoose_tui.errors import TargetSyntaxError
from regoose_tui.synth.analysis import analyze_module


@pytest.fixture(scope="module")
def cart():
    return analyze_module(CART_SOURCE, "shop/cart.py")


def test_functions_and_signatures(cart):
    triangle = cart.functions["classify_triangle"]
    assert [p.name for p in triangle.params] == ["a", "b", "c"]
    assert [p.annotation for p in triangle.params] == ["int", "int", "int"]
    assert triangle.returns == "str"
    assert triangle.is_public
    assert triangle.branch_count >= 4


def test_classes_methods_and_defaults(cart):
    klass = cart.classes["Cart"]
    assert {"add", "remove", "subtotal", "total", "is_empty"} <= set(klass.methods)
    add = klass.methods["add"]
    assert add.qualname == "Cart.add"
    assert [(p.name, p.default) for p in add.params] == [
        ("self", None),
        ("name", None),
        ("price", None),
        ("quantity", "1"),
    ]
    assert klass.decorators == ["dataclass"]
    assert "items" in klass.attributes


def test_constants_and_raises(cart):
    assert cart.constants["TAX_RATES"] == {"standard": 0.2, "reduced": 0.05, "zero": 0.0}
    add = cart.classes["Cart"].methods["add"]
    assert [(r.exception, r.message) for r in add.raises] == [
        ("CartError", "price must not be negative"),
        ("CartError", "quantity must be positive"),
    ]
    assert {r.lineno for r in add.raises} <= cart.raise_lines


def test_comparisons_literals_and_hints(cart):
    code = cart.functions["discount_code"]
    compared = {(c.subject, c.op, c.value) for c in code.comparisons}
    assert ("code", "Eq", "SPRING10") in compared
    assert ("len(code)", "Gt", 5) in compared
    assert "VIP" in code.strings
    assert "str" in code.param_hints["code"]
    triangle = cart.functions["classify_triangle"]
    assert any(c.param == "a" and c.value == 0 for c in triangle.comparisons)


def test_doctest_examples(cart):
    (example,) = cart.functions["classify_triangle"].doctests
    assert example.source == "classify_triangle(3, 3, 3)"
    assert example.want == "'equilateral'"


def test_function_at_finds_the_innermost_function(cart):
    add = cart.classes["Cart"].methods["add"]
    assert cart.function_at(add.lineno + 2) is add
    assert cart.function_at(1) is None


def test_syntax_error_names_file_and_line():
    with pytest.raises(TargetSyntaxError, match=r"^bad\.py:2: "):
        analyze_module("x = 1\ndef broken(:\n    pass\n", "bad.py")


def test_a_60000_term_expression_is_one_input_error_not_a_crash() -> None:
    from regoose_tui.errors import InputError

    source = "X = " + "+".join(["1"] * 60_000) + "\n\ndef f(a):\n    return a\n"
    with pytest.raises(InputError) as caught:
        analyze_module(source, "deep.py")
    assert str(caught.value).startswith("deep.py: too deeply nested to analyse (")
    assert "\n" not in str(caught.value)
