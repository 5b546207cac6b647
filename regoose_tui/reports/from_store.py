"""Build a SessionReport from what the session store recorded."""

from __future__ import annotations

from dataclasses import replace

from regoose_tui.bus.events import (
    AgentFailed,
    AgentFinished,
    AgentProgress,
    AgentStarted,
    CoverageUpdated,
    Event,
    GenerationVerdicts,
    PlanNodeStatus,
    ProviderUsage,
    SessionFinished,
    SessionStarted,
    SuiteMeasured,
    TestOutcome,
    TestsWritten,
)
from regoose_tui.reports.model import FileWritten, SessionReport, TestResult
from regoose_tui.store.records import SessionRecord
from regoose_tui.store.safe_write import sha256_text
from regoose_tui.store.store import SessionStore

_ITERATION_EVENTS = (PlanNodeStatus, AgentStarted, AgentProgress, AgentFinished, AgentFailed)
_REPORT_EVENTS = (
    *_ITERATION_EVENTS,
    CoverageUpdated,
    GenerationVerdicts,
    ProviderUsage,
    SessionStarted,
    SessionFinished,
    SuiteMeasured,
    TestOutcome,
    TestsWritten,
)
#: The event kinds a report reads (run output and chat tokens are skipped).
REPORT_EVENT_KINDS: frozenset[str] = frozenset(
    event_type.model_fields["kind"].default for event_type in _REPORT_EVENTS
)


def _tests_from_events(events: list[Event]) -> list[TestResult]:
    """Latest outcome per node id, for sessions that stored no result rows."""
    latest: dict[str, TestResult] = {}
    for event in events:
        if isinstance(event, TestOutcome):
            latest[event.nodeid] = TestResult(
                event.nodeid, event.outcome, event.duration, event.message
            )
    return sorted(latest.values(), key=lambda test: test.nodeid)


def _files_from_events(events: list[Event]) -> list[FileWritten]:
    latest: dict[str, FileWritten] = {}
    for event in events:
        if isinstance(event, TestsWritten):
            digest = sha256_text(event.content) if event.content else ""
            latest[event.path] = FileWritten(event.path, event.tests, digest)
    return sorted(latest.values())


def _apply_verdicts(report: SessionReport, events: list[Event]) -> SessionReport:
    """Stop reason, why each test was kept, suspected bugs and notes, from the last verdicts."""
    verdicts = next((e for e in reversed(events) if isinstance(e, GenerationVerdicts)), None)
    if verdicts is None:
        return report
    why = dict(verdicts.kept)
    report.tests = [
        replace(test, why=why.get(test.nodeid)) if test.outcome != "dropped" else test
        for test in report.tests
    ]
    report.stopped_by = verdicts.stopped_by
    report.stop_detail = verdicts.stop_detail
    report.suspected_bugs = list(verdicts.suspected_bugs)
    report.notes = list(verdicts.notes)
    return report


def report_from_records(session: SessionRecord, events: list[Event]) -> SessionReport:
    """Fill a report from a session row and its events (no result or file rows)."""
    coverage = [event for event in events if isinstance(event, CoverageUpdated)]
    usage = [event for event in events if isinstance(event, ProviderUsage)]
    started = next((e for e in events if isinstance(e, SessionStarted)), None)
    finished = next((e for e in reversed(events) if isinstance(e, SessionFinished)), None)
    # Numbering may start at 0 or 1: count the distinct iterations seen.
    iterations = {e.iteration for e in events if isinstance(e, _ITERATION_EVENTS)}
    wall = session.wall_seconds
    if wall is None and finished is not None:
        wall = finished.wall_seconds
    line_after = session.line_percent
    branch_after = session.branch_percent
    if coverage:
        line_after = coverage[-1].line_percent if line_after is None else line_after
        branch_after = coverage[-1].branch_percent if branch_after is None else branch_after
    line_before = coverage[0].line_percent if len(coverage) > 1 else None
    branch_before = coverage[0].branch_percent if len(coverage) > 1 else None
    baseline = next(
        (e for e in events if isinstance(e, SuiteMeasured) and e.stage == "baseline"), None
    )
    if baseline is not None:
        # The project's own tests before generation: the true starting point.
        line_before, branch_before = baseline.line_percent, baseline.branch_percent
    return SessionReport(
        session_id=session.id,
        target=session.target,
        project=session.project,
        provider=session.provider,
        runtime=session.runtime,
        isolated=started.isolated if started is not None else session.isolated,
        status=session.status,
        reason=session.reason,
        started_at=session.created_at,
        finished_at=session.updated_at if session.finished else None,
        wall_seconds=wall or 0.0,
        tests=_tests_from_events(events),
        # The project's tests' coverage (older sessions: the first measurement).
        line_percent_before=line_before,
        line_percent_after=line_after,
        branch_percent_before=branch_before,
        branch_percent_after=branch_after,
        project_tests=baseline.tests if baseline else 0,
        failing_before=baseline.failed if baseline else 0,
        files_written=_files_from_events(events),
        iterations=len(iterations),
        prompt_tokens=sum(event.prompt_tokens for event in usage),
        completion_tokens=sum(event.completion_tokens for event in usage),
        cost_usd=sum(event.cost_usd for event in usage),
    )


async def report_from_store(store: SessionStore, session_id: str) -> SessionReport:
    """Build the report of a stored session (raises SessionNotFound for unknown ids).

    Result and file rows win over what the events say; events supply the
    rest: isolation, coverage before (the first ``coverage.updated``),
    iterations and provider usage.
    """
    session = await store.get_session(session_id)
    events = await store.events(session_id, kinds=REPORT_EVENT_KINDS)
    report = report_from_records(session, events)
    results = await store.results(session_id)
    if results:
        report.tests = [TestResult(r.nodeid, r.outcome, r.duration, r.message) for r in results]
    files = await store.files(session_id)
    if files:
        report.files_written = [FileWritten(f.path, f.tests, f.sha256) for f in files]
    return _apply_verdicts(report, events)
