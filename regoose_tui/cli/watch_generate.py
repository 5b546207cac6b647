"""`regoose watch --generate`: after a rerun that leaves lines or branches uncovered,
generate tests for the saved module, as `regoose generate` would (staged unless --apply)."""

from __future__ import annotations

import argparse
from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.cli.common import note
from regoose_tui.cli.review_commands import after_generation, writes_into_project
from regoose_tui.config import Settings
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.test_run import TestRunOutcome
from regoose_tui.engine.watch import Rerun
from regoose_tui.store.store import SessionStore


def misses_something(outcome: TestRunOutcome) -> bool:
    """Whether the changed module has lines or branches its tests did not reach."""
    return any(
        percent is not None and percent < 100.0
        for percent in (outcome.line_percent, outcome.branch_percent)
    )


async def generate_for(
    rerun: Rerun,
    args: argparse.Namespace,
    settings: Settings,
    *,
    bus: MessageBus,
    store: SessionStore,
) -> list[str]:
    """Run one generation for ``rerun.changed``; the lines saying what it wrote or staged."""
    options = GenerateOptions(
        target=rerun.changed,
        project=Path(args.project).expanduser().resolve() if args.project else None,
        provider=settings.provider.name,
        provider_settings=settings.provider,
        runtime=settings.runtime.name,
        iterations=settings.generate.iterations,
        budget_seconds=settings.generate.budget_seconds,
        # Review before writing, as `regoose generate`: only --apply writes into the project.
        write_files=writes_into_project(args, None),
        # As `regoose generate`: the project's own test file for the module gets the
        # new tests as new classes (no --out here, so always the project's folder).
        into_existing=True,
    )
    note(f"{rerun.changed.name}: its tests miss some of it; generating ({options.provider})")
    session = GenerationSession(options, bus=bus, store=store)
    outcome = await session.run()
    review = await after_generation(args, store, outcome, options, bus.publish_nowait)
    lines = [
        f"generated for {outcome.module}: {outcome.tests} tests, {outcome.passed} passed; "
        f"line coverage {outcome.line_percent:.1f}%, branch coverage "
        f"{outcome.branch_percent:.1f}% (session {outcome.session_id})"
    ]
    lines += [f"  written: {path}" for path in outcome.tests_written]
    lines += [f"  staged for review: {path}" for path in review.staged]
    lines += review.lines()
    return lines
