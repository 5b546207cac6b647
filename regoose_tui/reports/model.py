"""SessionReport: the plain data every report format is rendered from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple


# A dataclass, not a NamedTuple like FileWritten: a NamedTuple body cannot hold the
# `__test__` flag that keeps pytest from collecting it (type checkers reject it there).
@dataclass(frozen=True)
class TestResult:
    """One test node: ``(nodeid, outcome, duration, message)``."""

    __test__: ClassVar[bool] = False  # not a pytest test class despite the name

    nodeid: str
    outcome: str
    duration: float = 0.0
    message: str | None = None
    #: Why a kept test was kept (``passed 3 of 3 runs in random order; adds line 7``).
    why: str | None = None


# Not a pytest test class despite the name. Set after the class: in a NamedTuple
# body every assignment is a field to type checkers.


class FileWritten(NamedTuple):
    """A test file the session wrote: ``(path, tests, sha256)``."""

    path: str
    tests: int = 0
    sha256: str = ""


@dataclass
class SessionReport:
    """Everything a report says about one session, independent of format."""

    session_id: str
    target: str
    provider: str
    runtime: str
    isolated: bool
    status: str
    reason: str | None = None
    started_at: float = 0.0
    finished_at: float | None = None
    wall_seconds: float = 0.0
    tests: list[TestResult] = field(default_factory=list)
    line_percent_before: float | None = None
    line_percent_after: float | None = None
    branch_percent_before: float | None = None
    branch_percent_after: float | None = None
    files_written: list[FileWritten] = field(default_factory=list)
    iterations: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    project: str = ""
    #: The project's own tests for the target run before generation (the baseline).
    project_tests: int = 0
    #: Of those, how many failed before generation.
    failing_before: int = 0

    @property
    def line_delta(self) -> float | None:
        """Line coverage gained over the baseline, None when either end is unknown."""
        if self.line_percent_before is None or self.line_percent_after is None:
            return None
        return self.line_percent_after - self.line_percent_before

    @property
    def branch_delta(self) -> float | None:
        """Branch coverage gained over the baseline, None when either end is unknown."""
        if self.branch_percent_before is None or self.branch_percent_after is None:
            return None
        return self.branch_percent_after - self.branch_percent_before

    #: What ended the loop (iterations | budget | cost | plateau | complete) and in words.
    stopped_by: str | None = None
    stop_detail: str = ""
    #: Tests kept as strict xfail because the code looks wrong: {test, input, observed, why}.
    suspected_bugs: list[dict[str, str]] = field(default_factory=list)
    #: One-line notes (a provider error in hybrid, a model with no known price).
    notes: list[str] = field(default_factory=list)

    def outcome_counts(self) -> Counter[str]:
        """How many tests ended in each outcome."""
        return Counter(test.outcome for test in self.tests)

    @property
    def kept(self) -> int:
        """Tests in the suite: every test but the dropped ones."""
        return sum(1 for test in self.tests if test.outcome != "dropped")

    @property
    def passed(self) -> int:
        """Number of passed tests."""
        return self.outcome_counts()["passed"]

    @property
    def failed(self) -> int:
        """Number of failed tests (errors counted apart)."""
        return self.outcome_counts()["failed"]

    @property
    def problems(self) -> list[TestResult]:
        """Tests that failed or errored, in report order."""
        return [test for test in self.tests if test.outcome in {"failed", "error"}]
