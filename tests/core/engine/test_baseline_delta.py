"""Baseline, final coverage and delta; the generator's feedback narrowed to what is missed."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.agents.project_tests import SuiteRun
from regoose_tui.domain.feedback import Feedback
from regoose_tui.engine.baseline import aim, delta

FILES = (Path("/p/tests/test_ops.py"),)


def _baseline(**figures: object) -> SuiteRun:
    values: dict[str, object] = {
        "stage": "baseline",
        "files": FILES,
        "tests": 3,
        "failed": ("tests/test_ops.py::test_broken",),
        "line_percent": 40.0,
        "branch_percent": 28.6,
        "missing_lines": (8, 9, 12),
        "missing_branches": ((7, 8), (11, 12)),
        "executed_arcs": ((-1, 4), (4, 5), (5, 7)),
    }
    values.update(figures)
    return SuiteRun(**values)  # type: ignore[arg-type]  # test data, checked by the dataclass


def test_the_delta_runs_from_the_project_tests_to_the_final_run() -> None:
    final = _baseline(
        stage="final",
        tests=11,
        failed=("tests/test_ops.py::test_broken", "tests/test_ops.py::test_inside"),
        line_percent=100.0,
        branch_percent=92.9,
    )
    found = delta(_baseline(), final, kept=(60.0, 50.0))
    assert found is not None
    assert (found.line_before, found.line_after, found.branch_before, found.branch_after) == (
        40.0,
        100.0,
        28.6,
        92.9,
    )
    assert round(found.line_delta, 1) == 60.0 and round(found.branch_delta, 1) == 64.3
    assert found.failing_before == 1
    # Failing before is no news; failing only beside the new file is.
    assert found.broken == ("tests/test_ops.py::test_inside",)
    phrase = found.phrase()
    assert "lines 40.0% -> 100.0% (+60.0)" in phrase
    assert "1 of the project's tests fail before generation" in phrase
    assert "1 of the project's tests fail beside the new file" in phrase
    assert "of the new tests" not in phrase
    assert found.as_json()["line_delta"] == 60.0


def test_a_failing_new_test_is_said_apart_from_a_broken_project_test() -> None:
    final = _baseline(
        stage="final",
        failed=(
            "tests/test_ops.py::test_broken",
            "tests/test_ops.py::test_inside",
            "tests/test_ops.py::TestOpsAdded::test_add[1]",
        ),
    )
    found = delta(_baseline(), final, kept=(60.0, 50.0), new_tests=["TestOpsAdded::test_add"])
    assert found is not None
    assert found.broken == ("tests/test_ops.py::test_inside",)
    assert found.new_failing == ("tests/test_ops.py::TestOpsAdded::test_add[1]",)
    phrase = found.phrase()
    assert "1 of the project's tests fail beside the new file" in phrase
    assert "1 of the new tests fail beside the project's" in phrase
    assert found.as_json()["new_failing"] == ["tests/test_ops.py::TestOpsAdded::test_add[1]"]


def test_no_project_tests_means_a_zero_baseline_and_the_new_suite_as_final() -> None:
    found = delta(SuiteRun("baseline", ()), None, kept=(87.3, 73.7))
    assert found is not None and found.files == ()
    assert (found.line_before, found.line_after, found.branch_after) == (0.0, 87.3, 73.7)
    assert found.phrase().startswith("no project tests import the target: baseline 0%")
    assert delta(None, None, kept=(1.0, 1.0)) is None


def test_an_unmeasured_final_run_never_reports_less_than_the_baseline() -> None:
    final = _baseline(stage="final", note="the project's tests gave no coverage: crashed")
    found = delta(_baseline(), final, kept=(30.0, 50.0))
    assert found is not None
    assert (found.line_after, found.branch_after) == (40.0, 50.0)
    assert "gave no coverage" in found.note


def test_feedback_keeps_only_what_the_project_tests_also_miss() -> None:
    kept = Feedback(missing_lines=(5, 8, 12, 20), missing_branches=((4, 5), (7, 8)))
    narrowed = aim(kept, _baseline())
    assert narrowed is not None
    assert narrowed.missing_lines == (8, 12)
    assert narrowed.missing_branches == ((7, 8),)
    assert narrowed.covered_arcs == ((-1, 4), (4, 5), (5, 7))
    assert aim(None, _baseline()) is None
    assert aim(kept, None) is kept
    # A baseline that did not run has nothing to narrow by.
    assert aim(kept, SuiteRun("baseline", ())) == kept
