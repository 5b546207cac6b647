"""Listing, dropping and merging tests in a pytest module's text."""

from __future__ import annotations

import ast

import pytest

from regoose_tui.domain.suite_edit import list_test_names, merge_suites, remove_tests

SUITE = '''"""Suite."""
import pytest

from shop.cart import Cart


def helper():
    return 1


def test_a():
    assert helper() == 1


@pytest.mark.parametrize("x", [1, 2])
def test_b(x):
    assert x


class TestCart:
    def test_c(self):
        assert Cart

    def test_d(self):
        assert True
'''


def test_names_lists_functions_and_methods() -> None:
    assert list_test_names(SUITE) == ["test_a", "test_b", "TestCart::test_c", "TestCart::test_d"]


def test_remove_drops_decorated_function_and_keeps_the_rest() -> None:
    edited = remove_tests(SUITE, {"test_b", "TestCart::test_c"})
    assert list_test_names(edited) == ["test_a", "TestCart::test_d"]
    assert "parametrize" not in edited
    assert "def helper" in edited
    ast.parse(edited)


def test_remove_every_method_drops_the_class() -> None:
    edited = remove_tests(SUITE, {"TestCart::test_c", "TestCart::test_d"})
    assert "class TestCart" not in edited


def test_merge_adds_new_imports_and_renames_clashing_tests() -> None:
    extra = "import math\nimport pytest\n\n\ndef helper():\n    return 2\n\n\ndef test_a():\n    assert math.pi\n"
    merged = merge_suites(SUITE, extra)
    ast.parse(merged)
    assert merged.count("import pytest") == 1
    assert "import math" in merged
    assert "test_a_2" in list_test_names(merged)
    assert merged.count("def helper") == 1


def test_merge_into_empty_base_returns_extra() -> None:
    assert merge_suites("", "def test_x():\n    pass\n") == "def test_x():\n    pass\n"


def test_merge_skips_tests_the_base_already_has_under_any_name() -> None:
    extra = (
        "from shop.cart import Cart\n\n\n"
        "def test_a_again():\n    assert helper() == 1\n\n\n"
        "def test_a():\n    assert helper() == 1\n\n\n"
        "def test_new():\n    assert Cart is not None\n"
    )
    merged = merge_suites(SUITE, extra)
    names = list_test_names(merged)
    assert "test_a_2" not in names and "test_a_again" not in names
    assert "test_new" in names


def test_a_too_deeply_nested_suite_is_an_input_error() -> None:
    from regoose_tui.errors import InputError

    suite = "def test_sum():\n    assert " + "+".join(["1"] * 60_000) + " > 0\n"
    for edit in (
        lambda: list_test_names(suite),
        lambda: remove_tests(suite, ["test_sum"]),
        lambda: merge_suites("def test_a():\n    pass\n", suite),
    ):
        with pytest.raises(InputError, match="the test module: too deeply nested to analyse"):
            edit()
