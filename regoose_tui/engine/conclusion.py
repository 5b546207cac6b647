"""The end of one generation: the plan's results made into the stored, reported outcome.

The plan has run (analyzer, project tests, the generate -> run -> keep loop,
the whole suite, the reporter); what is left is bookkeeping with one rule:
tests are named by the file as written, so the store, the reports and the
faces all say the same. ``conclude`` records the results, the file and the
verdicts, finishes the session and returns the GenerationOutcome.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.agents.analyzer import TargetAnalysis
from regoose_tui.agents.keep_rule import NO_COVERAGE, PROJECT_COVERS
from regoose_tui.agents.project_tests import SuiteRun
from regoose_tui.agents.reporter import Written
from regoose_tui.agents.validator import KeptSuite, Validation
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import SessionStatus
from regoose_tui.domain.test_identity import name_in_file, project_node_id, rebase_node_id
from regoose_tui.engine.baseline import delta
from regoose_tui.engine.outcome import GenerationOutcome, TestRecord
from regoose_tui.engine.provenance import Provenance
from regoose_tui.engine.provider_failure import failure_line, is_cost_limit
from regoose_tui.engine.stopping import LoopGuard, covers_everything
from regoose_tui.engine.verdicts import VerdictBook
from regoose_tui.errors import ProviderError
from regoose_tui.plan import PlanResult
from regoose_tui.providers.base import Provider
from regoose_tui.runtime.base import Runtime
from regoose_tui.store.store import SessionStore

#: ``GenerationSession._finish``: publish SessionFinished and store the verdict.
Finish = Callable[..., Awaitable[None]]


@dataclass
class Ending:
    """What the session knows when its plan has run: the inputs of ``conclude``."""

    result: PlanResult
    provider: Provider
    runtime: Runtime
    started: float
    #: (node id, why) of every test dropped along the way, in order.
    dropped: list[tuple[str, str]]
    provenance: Provenance
    out_path: Path
    guard: LoopGuard
    book: VerdictBook
    #: The project's own tests before generation, and beside the kept suite after.
    suites: tuple[SuiteRun | None, SuiteRun | None] = (None, None)
    provider_failed: ProviderError | None = None
    #: sha256 of the project's own test file the suite was joined into, if it was.
    merge_base: str | None = None
    #: The project's tests leave nothing to add: the one line that says so ("" if not).
    nothing_to_add: str = ""


def nothing_kept_reason(dropped: tuple[tuple[str, str], ...]) -> str:
    """Why no test was kept: none passed, or those that passed reached only covered code.

    A test dropped as adding no coverage passed every run (the validator only
    weighs the coverage of tests that did): saying "no generated test passed"
    then would send the user after failures that never happened.
    """
    covered = [why for _, why in dropped if why.startswith((NO_COVERAGE, PROJECT_COVERS))]
    if not covered:
        return "no generated test passed"
    by_project = all(why.startswith(PROJECT_COVERS) for why in covered)
    where = "the project's own tests already run" if by_project else "was already covered"
    many = len(covered) != 1
    return (
        f"{len(covered)} generated test{'s' if many else ''} passed, but "
        f"{'they' if many else 'it'} reached only code that {where}: nothing new to keep"
    )


async def conclude(
    ending: Ending,
    *,
    session_id: str,
    store: SessionStore,
    bus: MessageBus,
    finish: Finish,
) -> GenerationOutcome:
    """Record the results, the written file and the verdicts; finish the session."""
    result, provider, runtime, started = (
        ending.result,
        ending.provider,
        ending.runtime,
        ending.started,
    )
    shared_dropped, provenance, out_path = ending.dropped, ending.provenance, ending.out_path
    guard, book, suites = ending.guard, ending.book, ending.suites
    provider_failed = ending.provider_failed
    analysis: TargetAnalysis = result.outcomes["analyzer"].result
    validation: Validation = result.outcomes["validator"].result
    written: Written = result.outcomes["reporter"].result
    iterations = result.outcomes["validator"].iteration
    # The suite as written: joined into the project's own file, its repeats are out.
    kept: KeptSuite | None = written.kept or validation.kept
    report = kept.report if kept else None
    if provider_failed is not None and guard.stopped_by is None:
        # It failed in the last round allowed: the failure, not the count, ended the loop.
        said = failure_line(provider_failed, provider.name, len(kept.tests) if kept else 0)
        guard.stop("cost" if is_cost_limit(provider_failed) else "provider", said)
    stopped_by = guard.conclude(complete=covers_everything(kept), iterations=iterations)
    # Tests are named by the file as written (or to be written), not by the
    # sandbox copy they ran as: one identity for the store, reports and faces.
    root = analysis.target.test_root
    records = [
        TestRecord(
            rebase_node_id(case.nodeid, out_path, root),
            case.outcome,
            case.duration,
            case.message,
            origin=provenance.origin_of(case.nodeid),
            why=book.why(case.nodeid),
        )
        for case in (report.tests if report else [])
    ]
    suspected = book.suspected_in(kept.source) if kept else []
    kept_ids = {record.name for record in records}
    # One entry per node id, as the store keeps it: the latest reason wins, and a
    # name dropped in one iteration but kept in a later one is not a drop.
    latest = {project_node_id(out_path, root, name_in_file(n)): why for n, why in shared_dropped}
    dropped = tuple((nodeid, why) for nodeid, why in latest.items() if nodeid not in kept_ids)
    passed = report.passed if report else 0
    failed = (report.failed + report.errors) if report else 0
    tests = len(records)
    status: SessionStatus = "passed" if tests and not failed else "failed"
    reason = None if tests else nothing_kept_reason(dropped)
    if not tests and ending.nothing_to_add:
        # Nothing written is the right result, not a failure (a CI step stays green).
        status, reason = "passed", ending.nothing_to_add
    if provider_failed is not None and not is_cost_limit(provider_failed) and tests:
        reason = failure_line(provider_failed, provider.name, tests)
    line = kept.line_percent if kept else 0.0
    branch = kept.branch_percent if kept else 0.0
    ours = [name_in_file(r.name) for r in records]
    coverage = delta(suites[0], suites[1], (line, branch), ours)
    if coverage is not None and coverage.files:
        # The final figure is the project's tests and the new file together.
        line, branch = coverage.line_after, coverage.branch_after
    if coverage is not None and (coverage.broken or coverage.new_failing) and status == "passed":
        # The new file must leave the project's own suite as it found it; joined into
        # the project's file, the new tests must pass there too (its fixtures apply).
        status = "failed"
        theirs, new = len(coverage.broken), len(coverage.new_failing)
        parts = [f"{theirs} of the project's tests fail beside the new file"] if theirs else []
        if new:
            parts.append(f"{new} of the new tests fail in {out_path.name} as it will be written")
        reason = "; ".join(parts)
    await store.record_results(
        session_id,
        [(r.name, r.outcome, r.duration, r.message) for r in records]
        + [(name, "dropped", 0.0, why) for name, why in dropped],
    )
    if written.path is not None and written.written:
        await store.record_file(session_id, written.path, written.content, tests=written.tests)
        if written.receipt is not None:
            await store.writes.record(session_id, written.receipt)
    bus.publish_nowait(
        book.event(
            stopped_by=stopped_by,
            stop_detail=guard.phrase,
            kept=[(r.name, r.why) for r in records if r.why],
            suspected=suspected,
            session_id=session_id,
        )
    )
    await finish(
        status,
        reason,
        started,
        line_percent=line,
        branch_percent=branch,
        tests=tests,
        passed=passed,
        failed=failed,
    )
    return GenerationOutcome(
        session_id=session_id,
        provider=provider.name,
        runtime=runtime.name,
        isolated=runtime.isolated,
        target=analysis.target.path,
        module=analysis.target.module,
        status=status,
        tests_written=(written.path,) if written.path and written.written else (),
        proposed_path=written.path,
        tests=tests,
        passed=passed,
        failed=failed,
        line_percent=line,
        branch_percent=branch,
        wall_seconds=time.monotonic() - started,
        iterations=iterations,
        records=tuple(records),
        dropped=dropped,
        test_source=kept.source if kept else "",
        proposed_source=written.content if written.path is not None else "",
        merge_base_sha256=ending.merge_base,
        reason=reason,
        prompt_tokens=provenance.prompt_tokens,
        completion_tokens=provenance.completion_tokens,
        cost_usd=provenance.cost_usd,
        stopped_by=stopped_by,
        stop_detail=guard.phrase,
        coverage_delta=coverage,
        suspected_bugs=tuple(bug.as_json() for bug in suspected),
        notes=tuple(book.notes),
        iteration_log=tuple(book.log),
    )
