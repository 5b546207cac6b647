"""The result of one generation, as the CLI, the app and the reports see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.domain.drops import drop_counts, drop_kind, drops_phrase
from regoose_tui.engine.baseline import CoverageDelta


@dataclass(frozen=True)
class TestRecord:
    """One test of the final suite (or one dropped on the way)."""

    __test__ = False  # not a pytest test class despite the name

    name: str
    outcome: str
    duration: float = 0.0
    message: str | None = None
    #: Who wrote it: "offline" (the embedded engine) or "llm" (the model); None if unknown.
    origin: str | None = None
    #: Why it was kept (``passed 3 of 3 runs in random order; adds lines 4-5``).
    why: str | None = None


@dataclass(frozen=True)
class GenerationOutcome:
    """What `regoose generate` prints with --json, and what the app summarises."""

    session_id: str
    provider: str
    runtime: str
    isolated: bool
    target: Path
    module: str
    status: str
    tests_written: tuple[Path, ...]
    tests: int
    passed: int
    failed: int
    line_percent: float
    branch_percent: float
    wall_seconds: float
    iterations: int
    records: tuple[TestRecord, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()
    test_source: str = ""
    #: The whole text for ``proposed_path``: ``test_source``, or the project's own
    #: test file with it added as new classes.
    proposed_source: str = ""
    #: When ``proposed_source`` is the project's own file with tests added: the sha256
    #: of the bytes it was computed from (applying it later needs them unchanged).
    merge_base_sha256: str | None = None
    reason: str | None = None
    report_path: Path | None = None
    #: Where the suite goes (or went); set even when it was not written yet.
    proposed_path: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)
    #: The provider calls of the whole session (0 for the offline engine).
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    #: What ended the loop: iterations | budget | cost | plateau | complete.
    stopped_by: str | None = None
    #: The same in words: ``stopped: cost limit ($0.0100 spent; ...)``.
    stop_detail: str = ""
    #: Coverage by the project's own tests before, and with the new file after.
    coverage_delta: CoverageDelta | None = None
    #: Tests kept as strict xfail because the code looks wrong: {test, input, observed, why}.
    suspected_bugs: tuple[dict[str, str], ...] = ()
    #: One-line notes (a provider error in hybrid, "cost unknown for MODEL").
    notes: tuple[str, ...] = ()
    #: Per iteration: tests kept / repaired / dropped / flaky, coverage before and after.
    iteration_log: tuple[dict[str, Any], ...] = ()

    @property
    def drops(self) -> str:
        """``6 dropped (4 duplicate, 2 failing)``, or "" when nothing was dropped."""
        return drops_phrase(why for _, why in self.dropped)

    def as_json(self) -> dict[str, Any]:
        """The one JSON object of `regoose generate --json` (schema: GenerateDocument)."""
        data: dict[str, Any] = {
            "session_id": self.session_id,
            "provider": self.provider,
            "runtime": self.runtime,
            "isolated": self.isolated,
            "target": str(self.target),
            "status": self.status,
            "tests_written": [str(p) for p in self.tests_written],
            "tests": self.tests,
            "passed": self.passed,
            "failed": self.failed,
            "line_coverage": round(self.line_percent, 1),
            "branch_coverage": round(self.branch_percent, 1),
            "iterations": self.iterations,
            "wall_seconds": round(self.wall_seconds, 2),
            "report": str(self.report_path) if self.report_path else None,
            "reason": self.reason,
            "tokens": {
                "prompt": self.prompt_tokens,
                "completion": self.completion_tokens,
                "total": self.prompt_tokens + self.completion_tokens,
            },
            "cost_usd": round(self.cost_usd, 6),
            "baseline": self.coverage_delta.as_json() if self.coverage_delta else None,
            "stopped_by": self.stopped_by,
            "stop_detail": self.stop_detail or None,
            # Keyed by test function name (class::test for methods), as the providers know them.
            "origins": {
                r.name.split("::", 1)[-1]: r.origin for r in self.records if r.origin is not None
            },
            "dropped": len(self.dropped),
            "dropped_by_kind": drop_counts(why for _, why in self.dropped),
            "results": [
                {
                    "nodeid": r.name,
                    "outcome": r.outcome,
                    "duration": r.duration,
                    "message": r.message,
                    "why": r.why,
                }
                for r in self.records
            ],
            "suspected_bugs": list(self.suspected_bugs),
            "notes": list(self.notes),
            "iteration_log": list(self.iteration_log),
            "dropped_tests": [
                {"nodeid": name, "kind": drop_kind(why), "reason": why}
                for name, why in self.dropped
            ],
        }
        # Through the published model: what is printed always matches the schema.
        # Loaded here: only `--json` needs the document models (and their build cost).
        from regoose_tui.reports.documents import GenerateDocument

        return GenerateDocument.model_validate(data).model_dump(mode="json")
