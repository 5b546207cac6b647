"""A failing test is a suspected bug when the code crashed inside itself, not at a guard."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support.junit_failures import junit_failures

from regoose_tui.domain.feedback import FailedTest
from regoose_tui.domain.suspects import (
    call_in_test,
    is_raise_line,
    mark_xfail,
    raised_at,
    source_of_test,
    strict_xfail_tests,
    suspect_failure,
)

STATS = '''def mean(values):
    """The average of values (0 for none)."""
    return sum(values) / len(values)


def checked(x):
    if x < 0:
        raise ValueError("negative")
    return x
'''

TESTS = """import pytest

from stats import checked, mean


def test_mean_of_nothing_is_zero():
    assert mean([]) == 0


def test_checked_refuses_negatives():
    assert checked(-1) == 0


class TestMean:
    def test_pair(self):
        assert mean([1, 3]) == 3
"""


def _failures(tmp_path: Path) -> dict[str, FailedTest]:
    """Run the tests for real and read each failure as the validator gets it (junit)."""
    return junit_failures(tmp_path, {"stats.py": STATS, "test_stats.py": TESTS})


def test_a_crash_inside_the_code_is_a_suspect_a_guard_and_a_wrong_assert_are_not(
    tmp_path: Path,
) -> None:
    failures = _failures(tmp_path)
    target = tmp_path / "stats.py"
    crash = suspect_failure(failures["test_mean_of_nothing_is_zero"], target, STATS, TESTS)
    assert crash is not None
    assert crash.input == "mean([])" and crash.exception == "ZeroDivisionError"
    assert crash.observed == "raises ZeroDivisionError: division by zero"
    assert crash.why.startswith("ZeroDivisionError inside mean (line 3), not an explicit raise")
    # ValueError from an explicit raise: documented behaviour, the test was wrong.
    guard = failures["test_checked_refuses_negatives"]
    assert raised_at(guard.traceback) is not None
    assert suspect_failure(guard, target, STATS, TESTS) is None
    # A plain wrong expectation: an AssertionError in the test, for repair.
    assert suspect_failure(failures["TestMean::test_pair"], target, STATS, TESTS) is None


def test_marking_keeps_the_expectation_and_the_suite_goes_green(tmp_path: Path) -> None:
    failures = _failures(tmp_path)
    target = tmp_path / "stats.py"
    crash = suspect_failure(failures["test_mean_of_nothing_is_zero"], target, STATS, TESTS)
    assert crash is not None
    marked = mark_xfail(TESTS, crash.test, f"suspected bug: {crash.why}", crash.exception)
    marked = mark_xfail(marked, "TestMean::test_pair", "suspected bug: off by one")
    assert "assert mean([]) == 0" in marked  # the expectation stays
    assert strict_xfail_tests(marked) == {
        "test_mean_of_nothing_is_zero": f"suspected bug: {crash.why}",
        "TestMean::test_pair": "suspected bug: off by one",
    }
    assert "    @pytest.mark.xfail(strict=True, reason='suspected bug: off by one')" in marked
    (tmp_path / "test_stats.py").write_text(marked.replace("checked(-1) == 0", "checked(1) == 1"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "1 passed, 2 xfailed" in done.stdout, done.stdout


def test_import_pytest_is_added_when_missing() -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\n\nfrom m import f\n\n\ndef test_f():\n    assert f() == 1\n'
    marked = mark_xfail(source, "test_f", "suspected bug: x", "KeyError")
    ast.parse(marked)
    assert marked.index("import pytest") > marked.index("from __future__")
    assert "raises=KeyError" in marked
    # A name the module may not import is left out of raises= (any failure of the call).
    assert "raises=" not in mark_xfail(source, "test_f", "suspected bug: x", "CartError")


def test_helpers_find_the_test_the_call_and_raise_lines() -> None:
    assert source_of_test(TESTS, "TestMean::test_pair").strip().startswith("def test_pair")
    assert call_in_test(TESTS, "test_mean_of_nothing_is_zero") == "mean([])"
    assert call_in_test(TESTS, "TestMean::test_pair") == "mean([1, 3])"
    assert is_raise_line(STATS, 8) and not is_raise_line(STATS, 3)
    assert strict_xfail_tests("@pytest.mark.xfail(reason='x')\ndef test_a():\n    pass\n") == {}
