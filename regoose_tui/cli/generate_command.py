"""`regoose generate`: write, run and keep tests for one file, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from regoose_tui.bus.events import AgentProgress, Event, RunOutput, SessionStarted
from regoose_tui.cli.common import note, open_bus, open_store, print_json, settings_for
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.errors import UsageError

REPORT_SUFFIXES = (".md", ".json", ".xml")


def _progress_printer(show_output: bool):  # type: ignore[no-untyped-def]
    def show(event: Event) -> None:
        if isinstance(event, SessionStarted):
            isolation = "" if event.isolated else " (NOT ISOLATED)"
            note(f"provider {event.provider}, runtime {event.runtime}{isolation}")
        elif isinstance(event, AgentProgress):
            note(f"  {event.agent}: {event.message}")
        elif show_output and isinstance(event, RunOutput):
            sys.stderr.write("".join(f"    {line}\n" for line in event.lines))

    return show


async def generate_command(args: argparse.Namespace) -> int:
    """Run one generation and print its result; 0 ok, 1 tests failed."""
    project = Path(args.project) if args.project else None
    settings = settings_for(args, project)
    options = GenerateOptions(
        target=Path(args.target),
        project=project,
        provider=settings.provider.name,
        runtime=settings.runtime.name,
        out_dir=Path(settings.generate.out_dir) if settings.generate.out_dir else None,
        iterations=settings.generate.iterations,
        budget_seconds=settings.generate.budget_seconds,
        report=Path(args.report) if args.report else None,
        force=args.force or settings.generate.force,
    )
    if options.report is not None and options.report.suffix not in REPORT_SUFFIXES:
        raise UsageError(f"--report {options.report}: use a .md, .json or .xml (JUnit) file name")
    async with open_store(settings) as store, open_bus() as bus:
        if not args.quiet:
            # Progress goes to stderr, so it never mixes with the --json object on stdout.
            bus.subscribe("#", _progress_printer(show_output=False), name="cli-progress")
        session = GenerationSession(options, bus=bus, store=store)
        outcome = await session.run()
        if options.report is not None:
            from regoose_tui.reports import report_from_store, write_report

            report = await report_from_store(store, outcome.session_id)
            write_report(report, options.report)
    if args.json:
        data = outcome.as_json()
        data["report"] = str(options.report) if options.report else None
        print_json(data)
    else:
        print(_summary(outcome))
    return 0 if outcome.status == "passed" else 1


def _summary(outcome: GenerationOutcome) -> str:
    written = ", ".join(str(p) for p in outcome.tests_written) or "nothing written"
    isolation = "" if outcome.isolated else ", NOT ISOLATED"
    return (
        f"{outcome.module}: {outcome.tests} tests, {outcome.passed} passed, {outcome.failed} failed; "
        f"line coverage {outcome.line_percent:.1f}%, branch coverage {outcome.branch_percent:.1f}%; "
        f"{outcome.iterations} iteration(s) in {outcome.wall_seconds:.1f} s "
        f"[{outcome.provider}, {outcome.runtime}{isolation}]\n"
        f"tests: {written}\nsession: {outcome.session_id}"
    )
