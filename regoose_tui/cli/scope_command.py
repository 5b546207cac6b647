"""`regoose generate FOLDER` (and --only, --diff, --shard): many modules, one summary.

``resolve`` turns the flags into a Scope (None when none of them applies, so
a plain file runs as before). A folder fans out one generation per module
(engine/fan_out.py), ``--jobs`` at a time, with a progress bar on stderr
when it is a terminal (a line per module otherwise, nothing with --quiet);
stdout gets one table (a row per module, the totals, the skipped modules)
or, with --json, one object.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from regoose_tui.cli.common import note, open_bus, open_store, print_json
from regoose_tui.cli.review_commands import after_generation
from regoose_tui.config import Settings
from regoose_tui.domain.scope import parse_shard
from regoose_tui.domain.scope_targets import Scope, ScopeTarget, resolve_scope
from regoose_tui.engine.fan_out import FanOut, ModuleRow, ScopeOutcome
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.errors import RegooseError


def wants_scope(args: argparse.Namespace) -> bool:
    """Whether this run goes through scope resolution at all."""
    return bool(
        Path(args.target).expanduser().is_dir()
        or getattr(args, "only", None)
        or getattr(args, "diff", None)
        or getattr(args, "shard", None)
    )


async def resolve(args: argparse.Namespace) -> Scope | None:
    """The run's Scope from the flags; None for a plain file with no scope flag."""
    if not wants_scope(args):
        return None
    shard_of = parse_shard(args.shard) if getattr(args, "shard", None) else None
    return await asyncio.to_thread(
        resolve_scope,
        Path(args.target),
        only=tuple(getattr(args, "only", None) or ()),
        diff_ref=getattr(args, "diff", None),
        shard_of=shard_of,
    )


def say_skipped(scope: Scope, quiet: bool) -> None:
    """One stderr line per module left out, with why."""
    if quiet:
        return
    for path, why in scope.skipped:
        note(f"regoose: skipped {path}: {why}")


async def scope_command(
    args: argparse.Namespace,
    options: GenerateOptions,
    settings: Settings,
    reports: list[Path],
    scope: Scope,
) -> int:
    """Generate for every module of ``scope``; 0 when every module passed, else 1."""
    say_skipped(scope, args.quiet)
    if not scope.targets:
        if args.json:
            print_json(ScopeOutcome((), scope.skipped, args.jobs or 1).as_json())
        else:
            print(f"nothing to generate: {len(scope.skipped)} modules skipped")
        return 0
    jobs = getattr(args, "jobs", None) or 1
    async with open_store(settings) as store, open_bus() as bus:
        bar = _ProgressBar(len(scope.targets), enabled=not args.quiet)

        async def review(outcome: GenerationOutcome, module: GenerateOptions) -> tuple[Path, ...]:
            # Each module as a one-module run: staged for review unless --apply (or --commit).
            done = await after_generation(args, store, outcome, module, bus.publish_nowait)
            return tuple(done.staged)

        fan_out = FanOut(
            scope, options, bus=bus, store=store, jobs=jobs, progress=bar.update, after=review
        )
        with bar:
            outcome = await fan_out.run()
        report_error = await _write_reports(store, outcome, reports) if reports else None
    if args.json:
        data = outcome.as_json()
        data["reports"] = [str(path) for path in reports]
        print_json(data)
    else:
        print(summary_table(outcome))
        staged = [row.session_id for row in outcome.rows if row.staged and row.session_id]
        if staged:
            print(
                f"{len(staged)} suites staged for review under the data dir; to write them "
                f"into the project: regoose apply SESSION for each "
                f"({', '.join(staged)}), or rerun with --apply"
            )
    if report_error is not None:
        note(f"regoose: report not written: {report_error.msg}")
        return 2
    return 0 if outcome.status == "passed" else 1


def summary_table(outcome: ScopeOutcome) -> str:
    """The per-module rows, the totals and the skipped modules, as plain text."""
    rows = [("module", "status", "tests", "lines", "branches", "wall", "written")]
    for row in outcome.rows:
        rows.append(_row(row))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    t = outcome.totals
    lines.append(
        f"total: {t.get('modules', 0)} modules ({t.get('passed_modules', 0)} passed, "
        f"{t.get('failed_modules', 0)} failed, {t.get('error_modules', 0)} errors), "
        f"{t.get('tests', 0)} tests, {t.get('files_written', 0)} files written; "
        f"{outcome.wall_seconds:.1f} s with --jobs {outcome.jobs}"
    )
    for row in outcome.rows:
        if row.error:
            lines.append(f"error: {row.target}: {row.error}")
    if outcome.skipped:
        lines.append(f"skipped: {len(outcome.skipped)} modules (see stderr)")
    return "\n".join(line.rstrip() for line in lines)


def _row(row: ModuleRow) -> tuple[str, str, str, str, str, str, str]:
    name = row.target.name if row.target.name != "__init__.py" else str(row.target.parent.name)
    if row.only:
        name += f" [{', '.join(row.only)}]"
    o = row.outcome
    if o is None:
        return (name, "error", "-", "-", "-", "-", "-")
    delta = o.coverage_delta
    lines = f"{o.line_percent:.1f}%"
    branches = f"{o.branch_percent:.1f}%"
    if delta is not None:
        lines = f"{delta.line_before:.1f}->{o.line_percent:.1f}%"
        branches = f"{delta.branch_before:.1f}->{o.branch_percent:.1f}%"
    written = ", ".join(p.name for p in o.tests_written) or "-"
    if row.staged:
        written = "staged: " + ", ".join(p.name for p in row.staged)
    return (name, o.status, str(o.tests), lines, branches, f"{o.wall_seconds:.1f}s", written)


async def _write_reports(
    store: Any, outcome: ScopeOutcome, reports: list[Path]
) -> RegooseError | None:
    from regoose_tui.reports import report_from_store
    from regoose_tui.reports.scope_report import ScopeReport, write_scope_report

    modules = [
        await report_from_store(store, row.session_id)
        for row in outcome.rows
        if row.session_id is not None
    ]
    report = ScopeReport(
        modules,
        outcome.totals,
        [(str(path), why) for path, why in outcome.skipped],
        outcome.jobs,
        outcome.wall_seconds,
    )
    error: RegooseError | None = None
    for path in reports:
        try:
            await asyncio.to_thread(write_scope_report, report, path)
        except RegooseError as exc:
            error = exc
    return error


class _ProgressBar:
    """A rich progress bar on stderr when it is a terminal; else a line per finished module."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.done = 0
        self.running: list[str] = []
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]generate"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, target: ScopeTarget, row: ModuleRow | None) -> None:
        name = target.path.name
        if row is None:
            self.running.append(name)
        else:
            self.done += 1
            if name in self.running:
                self.running.remove(name)
        if self._progress is not None:
            self._progress.update(
                self._task, completed=self.done, description=", ".join(self.running)
            )
        elif self.enabled and row is not None:
            o = row.outcome
            said = (
                f"{o.status}, {o.tests} tests, {o.line_percent:.1f}% lines"
                if o is not None
                else f"error: {row.error}"
            )
            note(f"[{self.done}/{self.total}] {target.path}: {said}")
