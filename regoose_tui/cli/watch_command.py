"""`regoose watch [PATH]`: on save, rerun the related tests in the sandbox."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from regoose_tui.bus.events import Event, RunOutput
from regoose_tui.cli.common import limits_line, note, open_bus, open_store, settings_for
from regoose_tui.cli.review_commands import check_review_flags
from regoose_tui.cli.watch_generate import generate_for, misses_something
from regoose_tui.domain.layout import marked_root
from regoose_tui.engine.test_run import check_project
from regoose_tui.engine.watch import Rerun, WatchScope, rerun_tests, summary_line, watch
from regoose_tui.errors import TargetNotFound, UsageError
from regoose_tui.project_config import load_project_config
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.runtime.registry import get_runtime


async def watch_command(args: argparse.Namespace) -> int:
    """Watch until Ctrl+C; with --once-for-test, until one rerun: 0 passed, 1 failed.

    With --generate, a rerun leaving the module partly uncovered is followed by a
    generation for it (inside the same rerun, so a newer save cancels it too).
    """
    check_review_flags(args)
    if (args.apply or args.commit) and not args.generate:
        raise UsageError("--apply and --commit go with --generate (they say where its tests go)")
    root = Path(args.path or ".").expanduser().resolve()
    if not root.is_dir():
        raise TargetNotFound(f"{root}: no such folder to watch")
    project = Path(args.project).expanduser().resolve() if args.project else None
    if project is not None and not project.is_dir():
        raise TargetNotFound(f"{project}: project folder does not exist")
    base = check_project(project or marked_root(root) or root)
    settings = settings_for(args, base)
    runtime = await asyncio.to_thread(get_runtime, settings.runtime.name)
    python = await asyncio.to_thread(resolve_python, project=base)
    config = await asyncio.to_thread(load_project_config, base)
    scope = WatchScope(
        root=root, project=project, ignore=config.ignore, skip=(settings.resolved_data_dir(),)
    )
    verdicts: list[bool] = []
    async with open_store(settings) as store, open_bus() as bus:
        printer = bus.tap(_stream_to_terminal, name="cli-output")

        async def run_one(rerun: Rerun) -> None:
            if not rerun.tests:
                print(f"{rerun.changed.name}: no test imports {rerun.module}; nothing to rerun")
                return
            names = ", ".join(t.name for t in rerun.tests)
            note(f"{rerun.changed.name} saved: rerunning {names}")
            outcome = await rerun_tests(rerun, runtime=runtime, python=python, bus=bus, store=store)
            await printer.join()  # the streamed lines come before the summary
            print(summary_line(rerun, outcome), flush=True)
            verdicts.append(outcome.status == "passed")
            if args.generate and rerun.module is not None and misses_something(outcome):
                for line in await generate_for(rerun, args, settings, bus=bus, store=store):
                    print(line, flush=True)

        isolation = "" if runtime.isolated else " (NOT ISOLATED)"
        note(f"watching {root} in {runtime.name}{isolation}; Ctrl+C stops")
        note(await asyncio.to_thread(limits_line, settings, runtime))  # may ask the engine
        try:
            await watch(scope, run_one, stop_event=asyncio.Event(), once=args.once_for_test)
        finally:
            await printer.aclose()
    return 0 if all(verdicts) else 1


def _stream_to_terminal(event: Event) -> None:
    if not isinstance(event, RunOutput):
        return
    sys.stdout.write("".join(line + "\n" for line in event.lines))
    sys.stdout.flush()
