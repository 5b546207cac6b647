"""The coverage JSON of one sandboxed pytest run, parsed on the host.

The pytest session writes it itself as it ends (Regoose's plugin,
keep_plugin.py, from the Coverage object ``coverage run`` started), so a run
is one sandboxed process. Only when that report is missing (pytest died
first) does a second command, ``coverage json`` with the user's Python in
the sandbox, make it from the data file. Either report was written in the
sandbox: read no-follow and capped, parsed from bytes.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from regoose_tui.runtime.base import RunSpec, Runtime
from regoose_tui.runtime.pytest_results import (
    CoverageSummary,
    parse_coverage_bytes,
    read_executed_arcs,
)
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.runtime.safe_io import DEFAULT_RESULT_CAP, UnsafeResultFile, read_result_bytes

#: Time allowed for the second command (``coverage json``).
REPORT_SECONDS = 60.0


def read_coverage(data_file: Path, report: Path, cwd: Path) -> CoverageSummary:
    """Parse ``report`` (coverage.py's JSON) with every arc of ``data_file``.

    ``cwd`` is the folder of the command that wrote the report: coverage.py
    names files relative to it. Blocking: run it in a thread.
    """
    arcs = read_executed_arcs(data_file)
    raw = read_result_bytes(report, max_bytes=DEFAULT_RESULT_CAP, name="coverage.json")
    return parse_coverage_bytes(raw, cwd, arcs)


def _session_report(data_file: Path, session_json: Path, cwd: Path) -> CoverageSummary | None:
    """The pytest session's own report, parsed; None when it wrote none (blocking).

    A report that is there but refused or not coverage.py's raises, as the
    second command's would.
    """
    try:
        return read_coverage(data_file, session_json, cwd)
    except FileNotFoundError:
        return None


async def coverage_report(
    runtime: Runtime,
    python: PythonEnv,
    base: RunSpec,
    *,
    data_file: Path,
    session_json: Path,
    report_dir: Path,
) -> tuple[CoverageSummary | None, str]:
    """The run's coverage, parsed, and a note when there is none: the session's own
    report, else one ``coverage json`` made in ``report_dir`` (a fresh folder).

    ``base`` is the pytest command's spec: its work folder (the data file, the
    session's report) is bound read-only to the second command.
    """
    try:
        summary = await asyncio.to_thread(_session_report, data_file, session_json, base.work_dir)
    except (OSError, ValueError, UnsafeResultFile) as exc:
        return None, f"no coverage measured (unreadable coverage data: {exc})"
    if summary is not None:
        return summary, ""
    out = report_dir / "coverage.json"
    argv = [
        str(python.executable),
        "-m",
        "coverage",
        "json",
        "-q",
        f"--data-file={data_file}",
        "-o",
        str(out),
    ]
    spec = replace(
        base,
        argv=argv,
        limits=replace(base.limits, wall_seconds=REPORT_SECONDS),
        label="coverage",
        work_dir=report_dir,
        read_only_paths=(*base.read_only_paths, base.work_dir),
    )
    result = await runtime.run(spec)
    if result.exit_code != 0:
        last = (result.stdout + result.stderr).strip().splitlines()
        detail = last[-1] if last else f"exit code {result.exit_code}"
        return None, f"no coverage measured ({detail})"
    try:
        return await asyncio.to_thread(read_coverage, data_file, out, report_dir), ""
    except (OSError, ValueError, UnsafeResultFile) as exc:
        return None, f"no coverage measured (unreadable coverage data: {exc})"
