"""`regoose run`: run existing tests in the sandbox, streaming their output."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from regoose_tui.bus.events import (
    RunFinished,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
)
from regoose_tui.cli.common import note, open_bus, open_store, print_json, settings_for
from regoose_tui.engine.output_batcher import OutputBatcher
from regoose_tui.errors import RegooseError, TargetNotFound
from regoose_tui.runtime.pytest_runner import run_pytest
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.runtime.registry import get_runtime
from regoose_tui.store.sink import store_sink


async def run_command(args: argparse.Namespace) -> int:
    """Run the given tests; 0 when all pass, 1 when any fails."""
    tests = [Path(t).expanduser() for t in args.tests]
    for path in tests:
        if not path.exists():
            raise TargetNotFound(f"{path}: no such test file or folder")
    tests = [p.resolve() for p in tests]
    project = Path(args.project).resolve() if args.project else Path.cwd().resolve()
    if not project.is_dir():
        raise TargetNotFound(f"{project}: project folder does not exist")
    cov = Path(args.cov).resolve() if args.cov else None
    if cov is not None and not cov.is_file():
        raise TargetNotFound(f"{cov}: no such file to measure")
    settings = settings_for(args, project)
    runtime = await asyncio.to_thread(get_runtime, settings.runtime.name)
    python = await asyncio.to_thread(resolve_python)
    started = time.monotonic()
    async with open_store(settings) as store, open_bus() as bus:
        session_id = await store.create_session(
            target=" ".join(str(t) for t in tests),
            project=str(project),
            provider="-",
            runtime=runtime.name,
            kind="run",
            isolated=runtime.isolated,
        )
        tap = bus.tap(store_sink(store, session_id), name="store")
        if not args.json:
            bus.subscribe("run.output", _stream_to_terminal, name="cli-output")
            isolation = "" if runtime.isolated else " (NOT ISOLATED)"
            note(f"regoose: running {len(tests)} path(s) in {runtime.name}{isolation}")
        bus.publish_nowait(
            SessionStarted(
                target=" ".join(str(t) for t in tests),
                project=str(project),
                provider="-",
                runtime=runtime.name,
                isolated=runtime.isolated,
                session_id=session_id,
            )
        )
        bus.publish_nowait(
            RunStarted(
                run_id=session_id,
                runtime=runtime.name,
                argv=("pytest", *map(str, tests)),
                session_id=session_id,
            )
        )
        batcher = OutputBatcher(bus.publish_nowait, session_id, session_id)
        try:
            with tempfile.TemporaryDirectory(prefix="regoose-run-") as work:
                report = await run_pytest(
                    runtime,
                    python,
                    project_dir=project,
                    work_dir=Path(work),
                    test_paths=tests,
                    cov_source=cov,
                    on_output=batcher,
                )
        except (RegooseError, asyncio.CancelledError) as error:
            batcher.flush()
            reason = str(error) or "cancelled"
            status = "cancelled" if isinstance(error, asyncio.CancelledError) else "error"
            bus.publish_nowait(SessionFinished(status=status, reason=reason, session_id=session_id))
            await tap.join()
            await store.finish_session(session_id, status, reason)
            raise
        finally:
            batcher.flush()
        bus.publish_nowait(
            RunFinished(
                run_id=session_id,
                exit_code=report.exit_code,
                timed_out=report.timed_out,
                wall_seconds=report.wall_seconds,
                session_id=session_id,
            )
        )
        failed = report.failed + report.errors
        status = "passed" if report.tests and not failed and not report.timed_out else "failed"
        reason = report.reason if status == "failed" else None
        wall = time.monotonic() - started
        await store.record_results(
            session_id, [(c.nodeid, c.outcome, c.duration, c.message) for c in report.tests]
        )
        bus.publish_nowait(
            SessionFinished(status=status, reason=reason, wall_seconds=wall, session_id=session_id)
        )
        await tap.join()
        await store.finish_session(
            session_id,
            status,
            reason,
            line_percent=report.line_percent if cov else None,
            branch_percent=report.branch_percent if cov else None,
            tests=len(report.tests),
            passed=report.passed,
            failed=failed,
            wall_seconds=wall,
        )
        await tap.aclose()
    result = {
        "session_id": session_id,
        "runtime": runtime.name,
        "isolated": runtime.isolated,
        "tests": len(report.tests),
        "passed": report.passed,
        "failed": report.failed,
        "errors": report.errors,
        "skipped": report.skipped,
        "line_coverage": round(report.line_percent or 0.0, 1) if cov else None,
        "branch_coverage": round(report.branch_percent or 0.0, 1) if cov else None,
        "wall_seconds": round(wall, 2),
        "status": status,
        "reason": reason,
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"{len(report.tests)} tests: {report.passed} passed, {failed} failed"
            + (f"; {reason}" if reason else "")
            + f"  (session {session_id})"
        )
    return 0 if status == "passed" else 1


def _stream_to_terminal(event: RunOutput) -> None:
    sys.stdout.write("".join(line + "\n" for line in event.lines))
    sys.stdout.flush()
