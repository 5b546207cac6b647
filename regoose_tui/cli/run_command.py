"""`regoose run`: run existing tests in the sandbox, streaming their output."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from regoose_tui.bus.events import Event, RunOutput
from regoose_tui.cli.common import (
    limits_line,
    note,
    open_bus,
    open_store,
    print_json,
    settings_for,
)
from regoose_tui.domain.layout import marked_root
from regoose_tui.engine.test_run import check_project, check_test_paths, infer_project, run_tests
from regoose_tui.errors import TargetNotFound
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.runtime.registry import get_runtime


async def run_command(args: argparse.Namespace) -> int:
    """Run the given tests; 0 when all pass, 1 when any fails."""
    tests = check_test_paths([Path(t).expanduser() for t in args.tests])
    project = Path(args.project).expanduser() if args.project else infer_project(tests)
    if not project.is_dir():
        raise TargetNotFound(f"{project}: project folder does not exist")
    project = check_project(project.resolve())
    cov = Path(args.cov).expanduser().resolve() if args.cov else None
    if cov is not None and not cov.is_file():
        raise TargetNotFound(f"{cov}: no such file to measure")
    settings = settings_for(args, project)
    runtime = await asyncio.to_thread(get_runtime, settings.runtime.name)
    # The project's own interpreter, as for generate: its .venv/venv, then VIRTUAL_ENV.
    root = marked_root(project) or project
    python = await asyncio.to_thread(resolve_python, project=root)
    async with open_store(settings) as store, open_bus() as bus:
        printer = None
        if not args.json:
            # A tap, not a subscription: CI logs must not lose a line when stdout is slow.
            printer = bus.tap(_stream_to_terminal, name="cli-output")
            isolation = "" if runtime.isolated else " (NOT ISOLATED)"
            note(f"running {len(tests)} path(s) in {runtime.name}{isolation}")
            if runtime.selection:
                note(f"runtime: {runtime.selection}")
            note(await asyncio.to_thread(limits_line, settings, runtime))  # may ask the engine
        outcome = await run_tests(
            tests, project=project, runtime=runtime, python=python, bus=bus, store=store, cov=cov
        )
        if printer is not None:
            await printer.aclose()  # every line is out before the summary
    if args.json:
        print_json(outcome.as_json())
    else:
        bad = outcome.failed + outcome.errors
        summary = f"{len(outcome.tests)} tests: {outcome.passed} passed, {bad} failed"
        if outcome.reason:
            summary += f"; {outcome.reason}"
        print(f"{summary}  (session {outcome.session_id})")
        # Node ids as pytest takes them from the project root: paste one to rerun it.
        for case in outcome.tests:
            if case.outcome in ("failed", "error"):
                print(f"  {case.outcome:<6} {case.nodeid}")
    return 0 if outcome.status == "passed" else 1


def _stream_to_terminal(event: Event) -> None:
    if not isinstance(event, RunOutput):
        return
    sys.stdout.write("".join(line + "\n" for line in event.lines))
    sys.stdout.flush()
