"""The JSON report: a pydantic document with stable keys that round-trips."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from regoose_tui.domain.drops import drop_counts
from regoose_tui.errors import InputError
from regoose_tui.reports.model import FileWritten, SessionReport, TestResult

REPORT_FORMAT: Final = "regoose.report"
#: 2: ``version`` became ``schema_version``; ``summary.dropped_by_kind`` added.
REPORT_VERSION: Final = 2


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TestEntry(_Doc):
    """One test node in the JSON report."""

    __test__ = False

    nodeid: str
    outcome: str
    duration: float
    message: str | None
    why: str | None = None


class FileEntry(_Doc):
    """One written file in the JSON report."""

    path: str
    tests: int
    sha256: str


class Summary(_Doc):
    """Counts by outcome (derived from ``tests``; informative only)."""

    #: Tests in the suite (dropped ones are counted apart), as the CLI counts them.
    tests: int
    passed: int
    failed: int
    error: int
    skipped: int
    dropped: int
    #: Dropped tests by why (duplicate, flaky, failing, no new coverage, not collected).
    dropped_by_kind: dict[str, int] = {}


class Coverage(_Doc):
    """Line and branch coverage in percent, before and after the session."""

    line_before: float | None
    line_after: float | None
    branch_before: float | None
    branch_after: float | None
    #: after - before (None when either is unknown).
    line_delta: float | None = None
    branch_delta: float | None = None
    #: The project's own tests for the target, and how many failed before generation.
    project_tests: int = 0
    failing_before: int = 0


class Usage(_Doc):
    """What the provider consumed."""

    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class SuspectedBug(_Doc):
    """A test kept as a strict xfail: the code, not the test, looks wrong."""

    test: str
    input: str
    observed: str
    why: str


class ReportDocument(_Doc):
    """The JSON report; field order is the key order on disk."""

    format: Literal["regoose.report"] = REPORT_FORMAT
    schema_version: Literal[1, 2] = REPORT_VERSION
    session_id: str
    target: str
    project: str
    provider: str
    runtime: str
    isolated: bool
    status: str
    reason: str | None
    started_at: float
    finished_at: float | None
    wall_seconds: float
    iterations: int
    summary: Summary
    coverage: Coverage
    usage: Usage
    tests: list[TestEntry]
    files: list[FileEntry]
    stopped_by: str | None = None
    stop_detail: str = ""
    suspected_bugs: list[SuspectedBug] = []
    notes: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        """A version 1 report named its schema version ``version``: read it the same."""
        if isinstance(data, dict) and "version" in data and "schema_version" not in data:
            data = {**data, "schema_version": data["version"]}
            del data["version"]
        return data


def to_document(report: SessionReport) -> ReportDocument:
    """Convert a report into its JSON document model."""
    counts = report.outcome_counts()
    return ReportDocument(
        session_id=report.session_id,
        target=report.target,
        project=report.project,
        provider=report.provider,
        runtime=report.runtime,
        isolated=report.isolated,
        status=report.status,
        reason=report.reason,
        started_at=report.started_at,
        finished_at=report.finished_at,
        wall_seconds=report.wall_seconds,
        iterations=report.iterations,
        summary=Summary(
            tests=report.kept,
            passed=counts["passed"],
            failed=counts["failed"],
            error=counts["error"],
            skipped=counts["skipped"],
            dropped=counts["dropped"],
            dropped_by_kind=drop_counts(t.message for t in report.tests if t.outcome == "dropped"),
        ),
        coverage=Coverage(
            line_before=report.line_percent_before,
            line_after=report.line_percent_after,
            branch_before=report.branch_percent_before,
            branch_after=report.branch_percent_after,
            line_delta=_rounded(report.line_delta),
            branch_delta=_rounded(report.branch_delta),
            project_tests=report.project_tests,
            failing_before=report.failing_before,
        ),
        usage=Usage(
            prompt_tokens=report.prompt_tokens,
            completion_tokens=report.completion_tokens,
            cost_usd=report.cost_usd,
        ),
        tests=[TestEntry(**asdict(test)) for test in report.tests],
        files=[FileEntry(**written._asdict()) for written in report.files_written],
        stopped_by=report.stopped_by,
        stop_detail=report.stop_detail,
        suspected_bugs=[SuspectedBug(**bug) for bug in report.suspected_bugs],
        notes=report.notes,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def render_json(report: SessionReport) -> str:
    """The JSON report text (two-space indent, trailing newline)."""
    return to_document(report).model_dump_json(indent=2) + "\n"


def parse_json(text: str | bytes) -> SessionReport:
    """Read a JSON report back into a SessionReport."""
    try:
        doc = ReportDocument.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise InputError(f"not a Regoose JSON report ({where}: {first['msg']})") from None
    return SessionReport(
        session_id=doc.session_id,
        target=doc.target,
        project=doc.project,
        provider=doc.provider,
        runtime=doc.runtime,
        isolated=doc.isolated,
        status=doc.status,
        reason=doc.reason,
        started_at=doc.started_at,
        finished_at=doc.finished_at,
        wall_seconds=doc.wall_seconds,
        tests=[TestResult(**entry.model_dump()) for entry in doc.tests],
        line_percent_before=doc.coverage.line_before,
        line_percent_after=doc.coverage.line_after,
        branch_percent_before=doc.coverage.branch_before,
        branch_percent_after=doc.coverage.branch_after,
        project_tests=doc.coverage.project_tests,
        failing_before=doc.coverage.failing_before,
        files_written=[FileWritten(**entry.model_dump()) for entry in doc.files],
        iterations=doc.iterations,
        prompt_tokens=doc.usage.prompt_tokens,
        completion_tokens=doc.usage.completion_tokens,
        cost_usd=doc.usage.cost_usd,
        stopped_by=doc.stopped_by,
        stop_detail=doc.stop_detail,
        suspected_bugs=[bug.model_dump() for bug in doc.suspected_bugs],
        notes=list(doc.notes),
    )
