"""What a generation remembers across rounds to say why each test stayed, and what it found.

The validator decides per round; this book keeps, over the whole loop, why
each kept test was kept, the suspected bugs (with the input that shows
them), each round's figures (kept / repaired / dropped / flaky, coverage
before and after) and the one-line notes for the user. At the end it gives
the final suite's reasons and suspected bugs, and the event the reports read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.agents.validator import Validation, suite_name
from regoose_tui.bus.events import GenerationVerdicts
from regoose_tui.domain.suspects import (
    REASON_PREFIX,
    SuspectedBug,
    call_in_test,
    strict_xfail_tests,
)
from regoose_tui.providers.base import GenerationResult


@dataclass
class VerdictBook:
    """The loop's memory of verdicts (one per generation session)."""

    kept_why: dict[str, str] = field(default_factory=dict)
    suspects: dict[str, SuspectedBug] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        """A one-line note for the summary and the report, once."""
        if line not in self.notes:
            self.notes.append(line)

    def add_candidate(self, candidate: GenerationResult) -> None:
        """Suspected bugs a provider found itself (the offline engine's probes); unpriced calls."""
        if candidate.extra.get("cost_known") is False:
            model = candidate.extra.get("model") or "the model"
            self.note(
                f"cost unknown for {model}: LiteLLM's local cost map has no price for it, "
                "so the cost shown (and --max-cost) counts only priced calls"
            )
        raw = candidate.extra.get("suspects")
        if not isinstance(raw, list):
            return
        for item in raw:
            if isinstance(item, Mapping) and isinstance(item.get("test"), str):
                bug = SuspectedBug(
                    test=str(item["test"]),
                    input=str(item.get("input", "")),
                    observed=str(item.get("observed", "")),
                    why=str(item.get("why", "")),
                    exception=str(item.get("exception", "")),
                )
                self.suspects.setdefault(bug.test, bug)

    def record(self, iteration: int, validation: Validation, before: Validation | None) -> None:
        """One round's verdicts and figures."""
        self.kept_why.update(validation.kept_why)
        for bug in validation.suspects:
            self.suspects[bug.test] = bug
        old = before.kept if before else None
        new = validation.kept
        dropped_now = [name for name, _ in validation.dropped]
        self.log.append(
            {
                "iteration": iteration,
                "kept": len(validation.added),
                "repaired": len(validation.feedback.failed),
                "dropped": len(dropped_now),
                "flaky": validation.flaky,
                "line_before": round(old.line_percent if old else 0.0, 1),
                "line_after": round(new.line_percent if new else 0.0, 1),
                "branch_before": round(old.branch_percent if old else 0.0, 1),
                "branch_after": round(new.branch_percent if new else 0.0, 1),
                "check_seconds": round(validation.check_seconds, 2),
            }
        )

    def why(self, nodeid: str) -> str | None:
        """Why the test ``nodeid`` is in the final suite (None when not decided here)."""
        return self.kept_why.get(suite_name(nodeid))

    def suspected_in(self, source: str) -> list[SuspectedBug]:
        """The final suite's suspected bugs: its strict xfail tests, with what is known of each."""
        found: list[SuspectedBug] = []
        for name, reason in strict_xfail_tests(source).items():
            known = self.suspects.get(name)
            if known is not None:
                found.append(known)
                continue
            # Marked by the model itself (the repair prompt asks it to when the code looks wrong).
            why = reason.removeprefix(f"{REASON_PREFIX}:").strip() or "marked xfail(strict=True)"
            found.append(
                SuspectedBug(name, call_in_test(source, name), "fails as the test expects", why)
            )
        return found

    def event(
        self,
        *,
        stopped_by: str | None,
        stop_detail: str,
        kept: Iterable[tuple[str, str]],
        suspected: Iterable[SuspectedBug],
        session_id: str | None,
    ) -> GenerationVerdicts:
        """The event the reports read back from the store."""
        return GenerationVerdicts(
            stopped_by=stopped_by,
            stop_detail=stop_detail,
            kept=list(kept),
            suspected_bugs=[bug.as_json() for bug in suspected],
            notes=list(self.notes),
            session_id=session_id,
        )
