"""Why the generate → run → validate loop stops, decided once per round.

The loop goes on while coverage grows. It stops at the first of: the suite
covers every line and branch (``complete``), the time budget is nearly spent
(``budget``), the next model call would take the session's cost past
``--max-cost`` (``cost``), or ``--plateau`` rounds in a row added no
coverage (``plateau``); running out of ``--iterations`` is ``iterations``.
The guard keeps the verdict so the outcome, the JSON and the report say it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from regoose_tui.agents.validator import KeptSuite

StopReason = Literal["iterations", "budget", "cost", "plateau", "complete", "provider"]

#: Seconds kept back from the budget: a round never starts this close to the deadline.
BUDGET_MARGIN = 5.0

PHRASES: dict[str, str] = {
    "iterations": "iteration limit",
    "budget": "time budget",
    "cost": "cost limit",
    "plateau": "no new coverage",
    "complete": "full coverage",
    "provider": "provider error",
}


def provider_room(remaining: float, last_run: float, last_check: float) -> float:
    """Seconds of ``remaining`` a later round's provider may plan with.

    After the provider, a round runs its candidate and then the keep session of
    the merged suite, each at least as long as the longest run of the round
    before (``last_run``: its candidate, ``last_check``: its keep session): that
    time is kept back, so the round ends within the budget instead of after it.
    The first round (no runs yet) gets all of ``remaining``.
    """
    reserve = 2 * max(last_run, last_check)
    return max(5.0, remaining - reserve)


def verify_room(remaining: float, budget: float, project_tests: float) -> float:
    """Seconds of ``remaining`` a first round's own verification may run (offline engine).

    That verification is the keep session the validator then reuses, so it may
    take what is left but for the steps after it: the validator's and the
    reporter's work (a tenth of the budget, at least 1 s) and, when the project
    has tests for the target, one more run of them beside the new file
    (``project_tests``: their first run's seconds, twice for the larger suite).
    """
    return max(0.0, remaining - max(1.0, 0.1 * budget) - 2 * project_tests)


@dataclass
class LoopGuard:
    """Says after each round whether the loop runs again, and remembers why it stopped."""

    deadline: float
    max_cost_usd: float | None = None
    plateau: int = 2
    clock: Callable[[], float] = time.monotonic
    stopped_by: StopReason | None = None
    #: Why, in words, for the summary line and the report.
    detail: str = ""
    flat_rounds: int = 0
    round_costs: list[float] = field(default_factory=list)

    def again(self, *, improved: bool, complete: bool, spent_usd: float, round_usd: float) -> bool:
        """True to run another round; False sets ``stopped_by`` and ``detail``."""
        self.round_costs.append(round_usd)
        self.flat_rounds = 0 if improved else self.flat_rounds + 1
        if complete:
            return self._stop("complete", "every line and branch is covered")
        if self.clock() >= self.deadline - BUDGET_MARGIN:
            return self._stop("budget", "the time budget is spent")
        if self.max_cost_usd is not None:
            # The next call is priced like the dearest round so far: a cap is a promise
            # not to start a call that would break it, not to notice afterwards.
            next_usd = max(self.round_costs, default=0.0)
            if spent_usd + next_usd > self.max_cost_usd:
                return self._stop(
                    "cost",
                    f"${spent_usd:.4f} spent; the next call (about ${next_usd:.4f}) would pass "
                    f"the ${self.max_cost_usd:.4f} limit",
                )
        if self.flat_rounds >= self.plateau:
            rounds = "a round" if self.plateau == 1 else f"{self.plateau} rounds"
            return self._stop("plateau", f"no new coverage for {rounds}")
        return True

    def conclude(self, *, complete: bool, iterations: int) -> StopReason:
        """The final verdict: the one ``again`` gave, else what ended the last round."""
        if self.stopped_by is None:
            if complete:
                self._stop("complete", "every line and branch is covered")
            else:
                self._stop("iterations", f"{iterations} iteration(s), the most allowed")
        assert self.stopped_by is not None
        return self.stopped_by

    @property
    def phrase(self) -> str:
        """``stopped: cost limit ($0.0100 spent; ...)``."""
        if self.stopped_by is None:
            return ""
        return f"stopped: {PHRASES[self.stopped_by]} ({self.detail})"

    def stop(self, reason: StopReason, detail: str) -> bool:
        """Stop now for ``reason`` (a provider error, ``--max-cost`` refusing a call): False."""
        return self._stop(reason, detail)

    def _stop(self, reason: StopReason, detail: str) -> bool:
        self.stopped_by, self.detail = reason, detail
        return False


def covers_everything(kept: KeptSuite | None) -> bool:
    """Whether the kept suite reaches every line and branch of the target."""
    return kept is not None and kept.line_percent >= 100.0 and kept.branch_percent >= 100.0
