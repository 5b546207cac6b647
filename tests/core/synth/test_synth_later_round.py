"""A later round of the offline engine writes only tests that reach what the kept suite misses."""

from __future__ import annotations

from pathlib import Path

from synth_samples import make_target, sandbox_for

from regoose_tui.domain.feedback import Feedback
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.synth.engine import synthesize

SOURCE = """
def grade(score: int) -> str:
    if score >= 90:
        return "A"
    if score >= 50:
        return "pass"
    return "fail"


def label(name: str, count: int = 1) -> str:
    return f"{name} x{count}" if count > 1 else name
"""


async def test_nothing_missing_means_no_new_tests(
    tmp_path: Path, local_runtime: LocalRuntime, python: str
) -> None:
    target = make_target(tmp_path, "grades", SOURCE)
    first = await synthesize(
        target,
        sandbox_for(local_runtime, target, tmp_path / "s1"),
        python=python,
        budget_seconds=15,
        work_dir=tmp_path / "w1",
        seed=0,
    )
    assert first.tests >= 4 and first.branch_percent == 100.0
    # The kept suite covers everything: extras that only check more outputs would
    # reach nothing it misses, and the validator would drop them after a full run.
    covered = Feedback(kept_test_source=first.test_source, line_percent=100.0, branch_percent=100.0)
    later = await synthesize(
        target,
        sandbox_for(local_runtime, target, tmp_path / "s2"),
        python=python,
        budget_seconds=15,
        work_dir=tmp_path / "w2",
        feedback=covered,
        seed=0,
    )
    assert later.tests == 0, later.test_source


DIES_UNDER_PYTEST = """
import os
import sys

if "pytest" in sys.modules:
    os._exit(3)


def twice(n: int) -> int:
    return n * 2
"""


async def test_a_verification_that_never_reports_is_not_said_to_pass(
    tmp_path: Path, local_runtime: LocalRuntime, python: str
) -> None:
    target = make_target(tmp_path, "dies", DIES_UNDER_PYTEST)
    said: list[str] = []
    result = await synthesize(
        target,
        sandbox_for(local_runtime, target, tmp_path / "s"),
        python=python,
        budget_seconds=15,
        work_dir=tmp_path / "w",
        progress=said.append,
        seed=0,
    )
    assert result.verified is None
    assert any(line.startswith("verification did not finish") for line in said), said
    assert not any(" tests pass 3 runs" in line for line in said), said
