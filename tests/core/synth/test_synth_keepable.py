"""Tests a person keeps: ruff-clean files and names that say the behaviour, never a counter.

The rendered suite for a sample module whose calls collide on their plain names
is written out, judged by ruff exactly as a person would judge it (``ruff
check --select E,F,I,B --isolated`` and ``ruff format --check --isolated`` from
the project's root), and run with pytest: its assertions are what the sample
really does, computed here by calling it.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import io
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest
from support.ruff_runs import ruff
from synth_samples import MESSY_IMPORTS

from regoose_tui.domain.suite_edit import list_test_names
from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.formatting import (
    UNFORMATTED_NOTE,
    format_source,
    ruff_command,
    split_long_strings,
)
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.name_words import code_vocabulary
from regoose_tui.synth.naming import NameRegistry, make_test_name, outcome_words
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.render import Observation, import_block, render_module, render_test
from regoose_tui.synth.values import lit

SHIPPING = '''
"""Shipping labels."""


class LabelError(ValueError):
    """A label that cannot be printed."""


def label(name: str, city: str, zip_code: str = "", country: str = "US") -> str:
    """The printed label."""
    if not name.strip():
        raise LabelError("name is empty")
    if len(name) > 12:
        raise LabelError("name is too long for the label")
    if zip_code and not zip_code.isdigit():
        raise LabelError("zip code must be digits")
    if country not in ("US", "NO", "SE"):
        raise LabelError("unknown country")
    parts = [name.upper(), city.upper()]
    if zip_code:
        parts.append(zip_code)
    parts.append(country)
    return " / ".join(parts)
'''

COUNTER = re.compile(r"_\d+$")
needs_ruff = pytest.mark.skipif(ruff_command() is None, reason="ruff is not installed")

_LABEL = Callee(
    "label",
    "function",
    "label",
    "label",
    [
        Param("name", "POSITIONAL_OR_KEYWORD", False, {}),
        Param("city", "POSITIONAL_OR_KEYWORD", False, {}),
        Param("zip_code", "POSITIONAL_OR_KEYWORD", True, {}, "''"),
        Param("country", "POSITIONAL_OR_KEYWORD", True, {}, "'US'"),
    ],
)
# Four arguments: a plain name shows the first two, so these collide on it.
_CALLS: list[tuple[tuple[str, ...], dict[str, str]]] = [
    (("Ann", "Oslo", "0150", "NO"), {}),
    (("Ann", "Oslo", "0150", "SE"), {}),
    (("Ann", "Oslo", ""), {"country": "US"}),
    (("Ann", "Oslo", "x", "NO"), {}),
    (("Ann", "Oslo", "0150", "DK"), {}),
    (("Ann", "Oslo", "01-50", "NO"), {}),
    ((" ", "Oslo"), {}),
    (("Annabelle Smith", "Oslo"), {}),
]


def _observations(module: Any) -> list[Observation]:
    """One observation per call, from really calling the sample (as the probe would)."""
    out = []
    for index, (positional, keywords) in enumerate(_CALLS):
        args = tuple((None, lit(v)) for v in positional) + tuple(
            (k, lit(v)) for k, v in keywords.items()
        )
        cand = Candidate(index, _LABEL, args)
        result: dict[str, Any]
        try:
            value = module.label(*positional, **keywords)
        except module.LabelError as exc:
            ref = {"kind": "target", "attr": "LabelError"}
            exc_info = {"name": "LabelError", "msg": str(exc), "ref": ref, "origin": "target"}
            result = {"outcome": "raise", "exc": exc_info}
        else:
            result = {"outcome": "return", "value": {"lit": repr(value), "type": "str"}}
        cand.result = result
        out.append(Observation(cand, result))
    return out


def _load(tmp_path: Path) -> Any:
    path = tmp_path / "shipping.py"
    path.write_text(SHIPPING, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("shipping", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _render(tmp_path: Path, first_party: list[str] | None = None) -> str:
    module = _load(tmp_path)
    vocabulary = code_vocabulary(analyze_module(SHIPPING, "shipping.py"))
    symbols, names = SymbolTable(), NameRegistry(vocabulary=vocabulary)
    symbols.symbol("label")  # as the probe's introspection registers the callee
    tests = [t for o in _observations(module) if (t := render_test(o, symbols, names))]
    assert len(tests) == len(_CALLS)
    return render_module("shipping", tests, symbols, first_party=first_party or [])


def _names(source: str) -> list[str]:
    """The collected test names: one class per unit, so ``TestLabel::test_...``."""
    return list_test_names(source)


def test_colliding_tests_are_named_by_what_sets_them_apart(tmp_path):
    names = _names(_render(tmp_path))
    assert len(set(names)) == len(names) == len(_CALLS)
    assert not [n for n in names if COUNTER.search(n)]
    assert all(n.startswith("TestLabel::test_") for n in names)
    # An error says its reason; a code constant the call passes ("NO") is a word,
    # the other inputs ("Ann", "Oslo", "0150") are not.
    assert "TestLabel::test_no_when_zip_code_must_be_digits_raises_label_error" in names
    assert "TestLabel::test_when_unknown_country_raises_label_error" in names
    assert not [n for n in names if re.search(r"ann|oslo|0150|dk|01_50", n)]
    # The same reason: the kind of the input that differs tells them apart ("01-50").
    assert "TestLabel::test_no_with_text_with_symbols_raises_label_error" in names
    # The constant only one call has tells returning ones apart.
    assert "TestLabel::test_no_returns_str" in names
    assert "TestLabel::test_se_returns_str" in names


@needs_ruff
def test_rendered_suite_is_ruff_clean_and_passes_as_written(tmp_path):
    # Written into the project and checked from its root, where ruff sees ``shipping``.
    source = asyncio.run(format_source(_render(tmp_path, ["shipping"]), first_party=["shipping"]))
    test_file = tmp_path / "tests" / "test_shipping.py"
    test_file.parent.mkdir()
    test_file.write_text(source, encoding="utf-8")
    check = ruff("check", "--isolated", "--select", "E,F,I,B", str(test_file), cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    fmt = ruff("format", "--isolated", "--check", str(test_file), cwd=tmp_path)
    assert fmt.returncode == 0, fmt.stdout
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    pytest_args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(test_file)]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert f"{len(_CALLS)} passed" in run.stdout


@needs_ruff
def test_rendered_suite_written_outside_the_project_is_ruff_clean_from_there(tmp_path):
    source = asyncio.run(format_source(_render(tmp_path)))
    elsewhere = tmp_path / "out" / "test_shipping.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text(source, encoding="utf-8")
    check = ruff("check", "--isolated", "--select", "E,F,I,B", elsewhere.name, cwd=elsewhere.parent)
    assert check.returncode == 0, check.stdout
    fmt = ruff("format", "--isolated", "--check", elsewhere.name, cwd=elsewhere.parent)
    assert fmt.returncode == 0, fmt.stdout


@needs_ruff
def test_format_source_merges_repeated_and_unsorted_imports():
    messy = MESSY_IMPORTS
    tidy = asyncio.run(format_source(messy))
    assert tidy.count("import re") == 1
    assert "import os" not in tidy  # unused
    # Seen from outside the project (the default), shop sits with third-party ...
    assert "import re\n\nimport pytest\nfrom shop.cart import Cart, CartError\n" in tidy
    assert 'match=re.escape("x")' in tidy
    # ... and from the project root, in a section of its own.
    rooted = asyncio.run(format_source(messy, first_party=["shop"]))
    assert "import re\n\nimport pytest\n\nfrom shop.cart import Cart, CartError\n" in rooted


def test_format_source_without_ruff_keeps_the_text_and_says_so(monkeypatch):
    import regoose_tui.synth.formatting as formatting

    monkeypatch.setattr(formatting, "ruff_command", lambda: None)
    source = (
        "# Generated by Regoose (offline provider) for m\n\nimport m\n\n\ndef test_a():\n    m\n"
    )
    out = asyncio.run(formatting.format_source(source))
    assert out.splitlines()[1] == UNFORMATTED_NOTE
    assert out.replace(UNFORMATTED_NOTE + "\n", "") == source


def test_import_block_merges_from_imports_per_module_in_isort_sections():
    lines = {
        "from shop.cart import Cart",
        "from shop.cart import CartError",
        "import pytest",
        "import re",
        "import math",
        "from decimal import Decimal",
        "from shop.cart import TAX_RATES",
        "import hypothesis",
    }
    assert import_block(lines, first_party="shop") == [
        "import math",
        "import re",
        "from decimal import Decimal",
        "",
        "import hypothesis",
        "import pytest",
        "",
        "from shop.cart import TAX_RATES, Cart, CartError",
    ]


@pytest.mark.parametrize(
    ("literal", "words"),
    [("3", "returns_three"), ("-1", "returns_negative_one"), ("250", "returns_int")],
)
def test_integer_results_never_end_a_name_in_digits(literal, words):
    assert outcome_words({"outcome": "return", "value": {"lit": literal}}, True, "int") == words


@pytest.mark.parametrize("literal", ["'item 2'", "'3'"])
def test_string_result_ending_in_a_number_is_named_by_its_kind(literal):
    result = {"outcome": "return", "value": {"lit": literal, "type": "str"}}
    assert outcome_words(result, True, None) == "returns_str"


def test_detail_survives_when_the_name_is_too_long():
    long_args = tuple((None, lit("word" * 5 + str(i))) for i in range(4))
    cand = Candidate(1, _LABEL, long_args)
    # The code's own constants, so the arguments are words of the name.
    known = frozenset(str(v.obj) for _, v in long_args)
    name = make_test_name(cand, "returns_str", "with_country_no", known)
    assert name.endswith("_with_country_no_returns_str") and len(name) <= 75
    assert name.startswith("test_label_word")
    after = Candidate(2, _LABEL, long_args, prior=(("reset", ()),) * 3)
    longest = make_test_name(after, "returns_validation_result", "after_reset_with_x", known)
    assert longest.endswith("_after_reset_with_x_returns_validation_result")
    assert len(longest) <= 75


def test_calls_nothing_tells_apart_get_a_letter_not_a_number():
    registry = NameRegistry()
    cand = Candidate(1, _LABEL, ((None, lit("Ann")),))
    first = registry.unique("test_label_ann_returns_str", cand, "returns_str", {})
    second = registry.unique("test_label_ann_returns_str", cand, "returns_str", {})
    assert first == "test_label_ann_returns_str"
    assert second == "test_label_case_b_returns_str"  # "Ann" is no word: no code constant


def test_long_strings_on_long_lines_become_adjacent_pieces_of_the_same_value():
    value = "Summary line.\n\n" + "word " * 40 + "end"
    source = f"def test_a():\n    assert f({value!r}) == {value.upper()!r}\n"
    split = split_long_strings(source)
    assert ast.dump(ast.parse(split)) == ast.dump(ast.parse(source))
    pieces = [
        t.string
        for t in tokenize.generate_tokens(io.StringIO(split).readline)
        if t.type == tokenize.STRING
    ]
    assert len(pieces) > 4 and max(len(p) for p in pieces) <= 80
    short = "def test_b():\n    assert f('x') == 'y'\n"
    assert split_long_strings(short) == short
    fstring = "def test_c():\n    assert f(1) == f'{x}" + "y" * 100 + "'\n"
    assert split_long_strings(fstring) == fstring


@needs_ruff
def test_formatted_long_expected_values_fit_the_line():
    value = "Summary line.\n\n" + "word " * 40 + "end"
    source = (
        "# Generated by Regoose (offline provider) for m\n\nfrom m import f\n\n\n"
        f"def test_a():\n    assert f({value!r}) == {value.upper()!r}\n"
    )
    out = asyncio.run(format_source(source))
    assert max(len(line) for line in out.splitlines()) <= 88
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(source))
