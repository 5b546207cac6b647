"""Suspected bugs in the offline engine, on small real functions run in a real sandbox.

A crash inside the code on input its hints allow, and a docstring example
that disagrees, come out as strict xfail tests asserting what SHOULD happen;
an explicit ``raise`` guard stays a plain ``pytest.raises`` test. The module
is then run with plain pytest: the suite is green, the xfails really xfail.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from synth_samples import make_target, sandbox_for

from regoose_tui.domain.suspects import strict_xfail_tests
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.synth.analysis import FunctionInfo
from regoose_tui.synth.engine import SynthResult, synthesize
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.suspects import fits, inputs_fit, suspicion
from regoose_tui.synth.values import lit

BUGGY = '''"""Helpers with bugs on purpose."""


def mean(values: tuple[float, ...] = ()) -> float:
    """The average of ``values``."""
    return sum(values) / len(values)


def first(items: list[int]) -> int:
    """The first item."""
    return items[0]


def double(x: int) -> int:
    """Twice ``x``.

    >>> double(3)
    6
    """
    if x > 2:
        return x * 2 + 1
    return x * 2


def checked(x: int) -> int:
    """``x``; negative numbers are refused."""
    if x < 0:
        raise ValueError("negative")
    return x
'''


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthResult, Path]:
    tmp = tmp_path_factory.mktemp("buggy")
    target = make_target(tmp, "helpers", BUGGY)
    result = asyncio.run(
        synthesize(
            target,
            sandbox_for(LocalRuntime(), target, tmp / "sandbox"),
            python=sys.executable,
            budget_seconds=25,
            work_dir=tmp / "work",
        )
    )
    return result, target.project_dir


def _suspect(result: SynthResult, call: str) -> dict[str, str]:
    return next(s for s in result.suspects if s["input"] == call)


def test_a_division_by_zero_on_the_default_input_is_a_strict_xfail(buggy) -> None:
    result, _ = buggy
    bug = _suspect(result, "mean()")
    assert bug["observed"] == "raises ZeroDivisionError: division by zero"
    assert "inside mean (line 6)" in bug["why"]
    marked = strict_xfail_tests(result.test_source)
    assert marked[bug["test"]].startswith("suspected bug: ZeroDivisionError inside mean")
    # The test asserts the call succeeds; it does not lock in pytest.raises(ZeroDivisionError).
    assert "pytest.raises(ZeroDivisionError" not in result.test_source
    assert "raises=ZeroDivisionError" in result.test_source


def test_an_index_error_on_an_empty_list_the_hint_allows_is_a_strict_xfail(buggy) -> None:
    result, _ = buggy
    bug = _suspect(result, "first([])")
    assert bug["observed"].startswith("raises IndexError") and bug["test"] in strict_xfail_tests(
        result.test_source
    )


def test_a_docstring_example_that_disagrees_asserts_the_docstring(buggy) -> None:
    result, _ = buggy
    bug = _suspect(result, "double(3)")
    assert bug["observed"] == "returns 7"
    assert bug["why"] == "the docstring example says double(3) gives 6"
    # Tests sit in one class per unit: the bug is named ``TestDouble::test_...``.
    cls, _, method = bug["test"].partition("::")
    tree = ast.parse(result.test_source)
    [unit] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    [test] = [n for n in unit.body if isinstance(n, ast.FunctionDef) and n.name == method]
    assert ast.unparse(test.body[-1]) == "assert double(3) == 6"


def test_a_unit_its_docstring_contradicts_gets_no_passing_value_assertions(buggy) -> None:
    # double(5) == 11 is what the code does, and as wrong as double(3) == 7: once its own
    # example disagrees, none of its observed values is locked in as a passing test.
    result, _ = buggy
    cls = _suspect(result, "double(3)")["test"].partition("::")[0]
    marked = strict_xfail_tests(result.test_source)
    tree = ast.parse(result.test_source)
    [unit] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    tests = [n.name for n in unit.body if isinstance(n, ast.FunctionDef)]
    assert tests and all(f"{cls}::{name}" in marked for name in tests), tests
    # A unit with no contradicted example keeps its value tests.
    [other] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TestChecked"]
    values = [
        n.name
        for n in other.body
        if isinstance(n, ast.FunctionDef)
        and "checked(" in ast.unparse(n)
        and "raises" not in ast.unparse(n)
        and f"TestChecked::{n.name}" not in marked
    ]
    assert values, ast.unparse(other)


def test_an_explicit_raise_guard_stays_a_plain_raises_test(buggy) -> None:
    result, project = buggy
    assert 'pytest.raises(ValueError, match=re.escape("negative"))' in result.test_source
    assert all(s["input"] != "checked(-1)" for s in result.suspects)
    # Run on its own: every strict xfail xfails (the code is still wrong), the rest pass.
    folder = project.parent / "check"
    folder.mkdir()
    (folder / "test_check.py").write_text(result.test_source)
    env = {**os.environ, "PYTHONPATH": str(project), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"{len(result.suspects)} xfailed" in done.stdout


def _callee(params: list[Param], info: FunctionInfo | None = None) -> Callee:
    return Callee("f", "function", "f", "f", params, info=info)


def test_inputs_must_fit_the_hints_to_make_a_crash_a_suspect() -> None:
    ints = Param("x", "POSITIONAL_OR_KEYWORD", False, {"k": "list", "args": [{"k": "int"}]})
    callee = _callee([ints])
    assert inputs_fit(Candidate(1, callee, ((None, lit([])),)))
    assert inputs_fit(Candidate(2, callee, ((None, lit([1, 2])),)))
    assert not inputs_fit(Candidate(3, callee, ((None, lit(["a"])),)))
    assert not inputs_fit(Candidate(4, callee, ((None, lit(None)),)))
    assert not inputs_fit(Candidate(5, callee, ()))  # a required argument missing
    assert fits(True, {"k": "int"}) is False and fits(3, {"k": "float"}) is True
    assert fits(None, {"k": "union", "args": [{"k": "int"}, {"k": "class"}]}) is None
    crash = {
        "outcome": "raise",
        "exc": {"name": "TypeError", "msg": "bad", "line": 3, "crash_in_target": True},
    }
    assert suspicion(Candidate(6, callee, ((None, lit([1])),)), crash) is not None
    # Wrong input (a str where the hint says list[int]): the crash is the caller's fault.
    assert suspicion(Candidate(7, callee, ((None, lit("s")),)), crash) is None
    # A crash from a library call outside the target is no suspect either.
    outside = {"outcome": "raise", "exc": {"name": "TypeError", "msg": "bad", "line": 3}}
    assert suspicion(Candidate(8, callee, ((None, lit([1])),)), outside) is None


def test_no_suspect_on_an_any_hint_or_in_a_private_helper() -> None:
    crash = {
        "outcome": "raise",
        "exc": {"name": "TypeError", "msg": "cannot unpack", "line": 3, "crash_in_target": True},
    }
    # rstr's ``_handle_state(self, state: Any)`` unpacking an int the probe made up.
    loose = _callee([Param("state", "POSITIONAL_OR_KEYWORD", False, {"k": "any"})])
    assert fits(1, {"k": "any"}) is None
    assert suspicion(Candidate(1, loose, ((None, lit(1)),)), crash) is None
    ints = [Param("x", "POSITIONAL_OR_KEYWORD", False, {"k": "int"})]
    helper = Callee("_parse", "function", "_parse", "_parse", ints)
    assert suspicion(Candidate(2, helper, ((None, lit(1)),)), crash) is None
    # The same crash in a public function with a concrete hint stays a suspect.
    assert suspicion(Candidate(3, _callee(ints), ((None, lit(1)),)), crash) is not None


def test_a_value_against_the_return_hint_is_a_suspect() -> None:
    info = FunctionInfo(name="f", qualname="f", lineno=1, end_lineno=3, returns="int")
    callee = _callee([Param("x", "POSITIONAL_OR_KEYWORD", False, {"k": "int"})], info)
    cand = Candidate(1, callee, ((None, lit(2)),))
    found = suspicion(cand, {"outcome": "return", "value": {"type": "str", "lit": "'2'"}})
    assert found is not None and found.expect == "assert isinstance(f(2), int)"
    assert suspicion(cand, {"outcome": "return", "value": {"type": "int", "lit": "2"}}) is None


def test_a_method_counts_only_on_an_object_built_from_fitting_input() -> None:
    from regoose_tui.synth.values import Val

    price = Param("price", "POSITIONAL_OR_KEYWORD", False, {"k": "float"})
    ctor = Callee("Item", "ctor", "Item", "Item", [price])
    method = Callee("Item.total", "method", "Item", "total", [], owner="Item")
    good = Candidate(1, ctor, ((None, lit(2.5)),))
    bad = Candidate(2, ctor, ((None, lit(None)),))
    on_good = Candidate(3, method, (), receiver=Val(good.call, recipe=good), var="item")
    on_bad = Candidate(4, method, (), receiver=Val(bad.call, recipe=bad), var="item")
    assert inputs_fit(on_good) and not inputs_fit(on_bad)
    # Changed by earlier calls: what it holds is no longer known to fit.
    changed = Candidate(
        5, method, (), receiver=Val(good.call, recipe=good), prior=(("grow", ()),), var="item"
    )
    assert not inputs_fit(changed)
