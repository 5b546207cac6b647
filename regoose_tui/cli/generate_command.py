"""`regoose generate`: write, run and keep tests for one file, headless."""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from regoose_tui import STARTED
from regoose_tui.bus.events import AgentStarted, Event, SessionStarted
from regoose_tui.cli.ci_options import fail_under_line
from regoose_tui.cli.common import (
    limits_line,
    note,
    open_bus,
    open_store,
    print_json,
    settings_for,
)
from regoose_tui.cli.review_commands import (
    after_generation,
    check_review_flags,
    writes_into_project,
)
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.engine.sandbox_setup import start_runtime_trial
from regoose_tui.errors import RegooseError, UsageError
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.safe_write import nearest_existing
from regoose_tui.viewstate.progress import ProgressLines

REPORT_SUFFIXES = (".md", ".json", ".xml")
#: The published models `--json` prints through (reports/documents.py).
_DOCUMENTS = "regoose_tui.reports.documents"


class _DocumentWarmUp:
    """Imports the --json document models in a worker thread once the generator starts.

    Their import builds their schemas (~30 ms); the generator's sandbox runs leave
    the host idle, so the JSON is printed the moment the report is written.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[ModuleType] | None = None

    def on_event(self, event: Event) -> None:
        if self._task is None and isinstance(event, AgentStarted) and event.agent == "generator":
            self._task = asyncio.create_task(asyncio.to_thread(importlib.import_module, _DOCUMENTS))

    async def finished(self) -> None:
        """Wait for the import when it started (the models are then ready to use)."""
        if self._task is not None:
            await self._task


def _progress_printer(show_output: bool, limits: str = "") -> Callable[[Event], None]:
    """A bus subscriber printing progress on stderr, folded by the app's view reducer.

    ``limits`` (the sandbox limits in force) follows the session's first line.
    """
    progress = ProgressLines(show_output=show_output)

    def show(event: Event) -> None:
        for line in progress.lines_for(event):
            note(line)
        if limits and isinstance(event, SessionStarted):
            note(limits)

    return show


async def generate_command(args: argparse.Namespace) -> int:
    """Run one generation and print its result; 0 ok, 1 tests failed."""
    project = Path(args.project) if args.project else None
    check_review_flags(args)
    settings = settings_for(args, project)
    start_runtime_trial(settings)  # beside the rest of the start-up
    out_dir = Path(settings.generate.out_dir).expanduser() if settings.generate.out_dir else None
    if args.apply:
        out_dir = None  # --apply: the project's own test folder, whatever the config says
    if out_dir is not None and not args.out and not out_dir.is_absolute():
        # A relative out_dir from regoose.toml or the environment means "in the project".
        from regoose_tui.domain.layout import detect_layout

        base = project or detect_layout(args.target).root
        out_dir = base / out_dir
    options = GenerateOptions(
        target=Path(args.target),
        project=project,
        provider=settings.provider.name,
        provider_settings=settings.provider,
        runtime=settings.runtime.name,
        python=Path(args.python) if getattr(args, "python", None) else None,
        out_dir=out_dir,
        iterations=settings.generate.iterations,
        budget_seconds=settings.generate.budget_seconds,
        started_at=STARTED,
        report=Path(args.report[0]) if args.report else None,
        force=args.force or settings.generate.force,
        record=Path(args.record) if getattr(args, "record", None) else None,
        replay=Path(args.replay) if getattr(args, "replay", None) else None,
        max_cost_usd=getattr(args, "max_cost", None),
        plateau=getattr(args, "plateau", None),
        # Review before writing: only --apply (or an --out folder) writes files here.
        write_files=writes_into_project(args, out_dir),
        into_existing=out_dir is None,
        seed=getattr(args, "seed", None),
        repairs=2 if getattr(args, "repairs", None) is None else args.repairs,
    )
    reports = [Path(path) for path in args.report or ()]
    for path in reports:
        _check_report_path(path)
    # A folder, --only, --diff or --shard: what the run covers (cli/scope_command.py).
    from regoose_tui.cli import scope_command as scoping

    scope = await scoping.resolve(args)
    if scope is not None:
        if scope.folder or len(scope.targets) != 1:
            return await scoping.scope_command(args, options, settings, reports, scope)
        scoping.say_skipped(scope, args.quiet)
        options = options.model_copy(update={"only": scope.targets[0].only})
    async with open_store(settings) as store, open_bus() as bus:
        if not args.quiet:
            # Progress goes to stderr, so it never mixes with the --json object on stdout.
            bus.subscribe(
                "#",
                _progress_printer(show_output=False, limits=limits_line(settings)),
                name="cli-progress",
            )
        warm_up = _DocumentWarmUp()
        if args.json:
            bus.subscribe("agent.started", warm_up.on_event, name="json-warm-up")
        session = GenerationSession(options, bus=bus, store=store)
        outcome = await session.run()
        review = await after_generation(args, store, outcome, options, bus.publish_nowait)
        if not args.quiet and outcome.tests_written and options.out_dir is None:
            await _say_import_hint(options, session.python)
        report_error = None
        if reports:
            from regoose_tui.reports import report_from_store, write_report

            report = await report_from_store(store, outcome.session_id)
            for path in reports:
                try:
                    await asyncio.to_thread(write_report, report, path)
                except RegooseError as error:
                    report_error = error  # the tests are written: still say so, then fail
    if args.json:
        await warm_up.finished()
        data = outcome.as_json()
        data["report"] = str(reports[0]) if reports else None
        data["reports"] = [str(path) for path in reports]
        data["python"] = _python_entry(session.python)
        data.update(review.json_fields())
        print_json(data)
    else:
        print(_summary(outcome, review.staged))
        for line in review.lines():
            print(line)
        if session.python is not None:
            print(_python_line(session.python))
    if report_error is not None:
        note(f"regoose: report not written: {report_error.msg}")
        return 2
    under = fail_under_line(outcome, getattr(args, "fail_under", None))
    if under is not None:
        note(under)  # after the tests and every report are written
        return 1
    return 0 if outcome.status == "passed" else 1


async def _say_import_hint(options: GenerateOptions, python: PythonEnv | None) -> None:
    """One line when the project's own pytest may not import what was just written."""
    from regoose_tui.domain.layout import detect_layout

    layout = await asyncio.to_thread(detect_layout, options.target, options.project)
    hint = layout.import_hint(python.site_paths if python else ())
    if hint:
        note(f"regoose: note: {hint}")


def _python_entry(python: PythonEnv | None) -> dict[str, str] | None:
    """``{path, source, version, note}`` of the interpreter the tests ran with."""
    if python is None:
        return None
    return {
        "path": str(python.executable),
        "source": python.source,
        "version": python.version,
        "note": python.note,
    }


#: How ``python:`` says where the interpreter came from.
_SOURCES = {
    "--python": "--python",
    "project": "the project's virtualenv",
    "VIRTUAL_ENV": "$VIRTUAL_ENV",
    "regoose": "Regoose's own",
}


def _python_line(python: PythonEnv) -> str:
    note = f"; {python.note}" if python.note else ""
    return (
        f"python: {python.executable} (Python {python.version}, "
        f"{_SOURCES.get(python.source, python.source)}{note})"
    )


def _check_report_path(path: Path) -> None:
    """Refuse a report path that cannot work, before any generation runs."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise UsageError(f"--report {path}: use a .md, .json or .xml (JUnit) file name")
    if path.is_dir():
        raise UsageError(f"--report {path}: is a folder")
    folder = nearest_existing(path.parent)
    if not folder.is_dir():
        raise UsageError(f"--report {path}: cannot create its folder ({folder} is a file)")


def _summary(outcome: GenerationOutcome, staged: list[Path] | None = None) -> str:
    written = ", ".join(str(p) for p in outcome.tests_written)
    if not written and staged:
        written = ", ".join(f"{p} (staged for review, not in the project yet)" for p in staged)
    written = written or "nothing written"
    if outcome.reason:
        written += f" ({outcome.reason})"
    isolation = "" if outcome.isolated else ", NOT ISOLATED"
    return (
        f"{outcome.module}: {outcome.tests} tests, {outcome.passed} passed, {outcome.failed} failed"
        f"{', ' + outcome.drops if outcome.drops else ''}; "
        f"line coverage {outcome.line_percent:.1f}%, branch coverage {outcome.branch_percent:.1f}%; "
        f"{outcome.iterations} iteration(s) in {outcome.wall_seconds:.1f} s{_usage(outcome)} "
        f"[{outcome.provider}, {outcome.runtime}{isolation}]\n"
        f"{outcome.stop_detail + chr(10) if outcome.stop_detail else ''}"
        f"{outcome.coverage_delta.phrase() + chr(10) if outcome.coverage_delta else ''}"
        f"{_verdict_lines(outcome)}"
        f"tests: {written}\nsession: {outcome.session_id}"
    )


def _verdict_lines(outcome: GenerationOutcome) -> str:
    """Suspected bugs (kept as strict xfail) and notes, one line each, or nothing."""
    lines = [f"note: {line}" for line in outcome.notes]
    if outcome.suspected_bugs:
        lines.append(f"suspected bugs ({len(outcome.suspected_bugs)}), kept as strict xfail:")
        lines += [
            f"  {bug['test']}: {bug['input'] or '?'} {bug['observed']} ({bug['why']})"
            for bug in outcome.suspected_bugs
        ]
    return "".join(line + "\n" for line in lines)


def _usage(outcome: GenerationOutcome) -> str:
    """ "; 1,234 tokens, $0.0012" when a model was called, else nothing."""
    tokens = outcome.prompt_tokens + outcome.completion_tokens
    if not tokens:
        return ""
    return f"; {tokens:,} tokens, ${outcome.cost_usd:.4f}"
