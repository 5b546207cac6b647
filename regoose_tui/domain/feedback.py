"""What the validator learned from one iteration, handed to the next one's provider."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FailedTest:
    """A test that failed in the previous iteration, with why."""

    name: str
    message: str
    traceback: str = ""
    #: The test's own source (it is cut from the suite, so the repair prompt needs it here).
    source: str = ""


@dataclass(frozen=True)
class Feedback:
    """What the validator learned from the previous iteration."""

    kept_test_source: str = ""
    failed: tuple[FailedTest, ...] = ()
    missing_lines: tuple[int, ...] = ()
    missing_branches: tuple[tuple[int, int], ...] = ()
    line_percent: float = 0.0
    branch_percent: float = 0.0
