"""Blank lines after tests are cut: what is left reads as ``ruff format`` writes it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from support.ruff_runs import ruff

from regoose_tui.domain.blank_lines import tidy_blank_lines
from regoose_tui.domain.suite_edit import list_test_names, remove_tests


def _formatted(source: str) -> str:
    done = ruff("format", "--isolated", "-", source=source)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _module(shape: list[int]) -> str:
    """Top-level tests (0) and test classes (their method count), formatted by ruff."""
    parts = ["import pytest\n"]
    for number, methods in enumerate(shape):
        if methods == 0:
            parts.append(f"def test_top_{number}():\n    assert pytest\n")
            continue
        body = "\n".join(
            f"    def test_m_{number}_{m}(self):\n        text = 'a'\n\n        assert text\n"
            for m in range(methods)
        )
        parts.append(f"class TestUnit{number}:\n{body}")
    return _formatted("\n\n".join(parts))


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=5),
    data=st.data(),
)
def test_any_cut_leaves_a_module_ruff_format_would_not_change(
    shape: list[int], data: st.DataObject
) -> None:
    source = _module(shape)
    names = list_test_names(source)
    cut = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names) - 1))
    left = remove_tests(source, set(cut))
    assert set(list_test_names(left)) == set(names) - set(cut)
    assert _formatted(left) == left


def test_blank_lines_inside_a_multiline_string_are_its_text() -> None:
    source = (
        "class TestDoc:\n"
        "    def test_parse(self):\n"
        '        text = """Summary.\n'
        "\n"
        "\n"
        "\n"
        'Args:"""\n'
        "\n"
        "        assert text\n"
    )
    assert tidy_blank_lines(source) == source


def test_a_class_whose_first_method_went_starts_with_the_next() -> None:
    source = (
        "class TestA:\n\n    def test_b(self):\n        pass\n\n\n\n\ndef test_c():\n    pass\n"
    )
    assert tidy_blank_lines(source) == (
        "class TestA:\n    def test_b(self):\n        pass\n\n\ndef test_c():\n    pass\n"
    )
