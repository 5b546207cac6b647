"""What the validator learned from one iteration, handed to the next one's provider."""

from __future__ import annotations

from dataclasses import dataclass, replace


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
    #: Arcs (from, to) already run: by the project's own tests, for a baseline.
    covered_arcs: tuple[tuple[int, int], ...] = ()

    def within(self, baseline: Feedback | None) -> Feedback:
        """This feedback with only what ``baseline`` (the project's tests) also misses.

        Lines the project's own tests already run are no gap of the session's.
        """
        if baseline is None:
            return self
        lines = set(baseline.missing_lines)
        branches = set(baseline.missing_branches)
        return replace(
            self,
            missing_lines=tuple(n for n in self.missing_lines if n in lines),
            missing_branches=tuple(b for b in self.missing_branches if b in branches),
            covered_arcs=tuple(dict.fromkeys((*self.covered_arcs, *baseline.covered_arcs))),
        )
