"""Run the rendered module with pytest (under coverage.py when present) in the sandbox.

Nothing the sandbox could write is trusted: the module is staged read-only,
reports are read with capped no-follow reads off the event loop.

The engine calls ``run_suite`` until every test passes: failing tests are cut
out of the module and the rest rerun. The coverage figures reported with the
result come from the last (all-green) run.
"""

from __future__ import annotations

import asyncio
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.runtime.safe_io import UnsafeResultFile, read_result_bytes_async
from regoose_tui.synth.probe import Prober

#: Cap on junit.xml and coverage.json of one generated module's run.
_REPORT_CAP = 64 * 1024**2


@dataclass
class SuiteRun:
    """Outcome of one pytest run of the generated module."""

    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    collected: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None
    missing_lines: list[int] = field(default_factory=list)
    missing_branches: list[tuple[int, int]] = field(default_factory=list)
    error: str = ""
    wall_seconds: float = 0.0


async def run_suite(
    prober: Prober,
    source: str,
    *,
    target_file: str,
    with_coverage: bool,
    wall: float,
    filename: str = "test_generated.py",
) -> SuiteRun:
    """Stage ``source`` in a fresh read-only folder and run pytest on it in the sandbox.

    The module and its ini file are inputs (the sandbox only reads them);
    pytest's reports land in a fresh output folder per command, read back
    with capped no-follow reads; all three folders are removed afterwards.
    """
    # An ini file of our own keeps the user's pytest config (addopts, plugins) out.
    inputs = await prober.stage_inputs({"pytest.ini": "[pytest]\n", filename: source})
    out = await prober.output_folder()
    folders = [inputs, out]
    try:
        return await _run_staged(
            prober, inputs, out, folders, filename, target_file, with_coverage, wall
        )
    finally:
        await prober.discard(*folders)


async def _run_staged(
    prober: Prober,
    inputs: Path,
    out: Path,
    folders: list[Path],
    filename: str,
    target_file: str,
    with_coverage: bool,
    wall: float,
) -> SuiteRun:
    junit = out / "junit.xml"
    data_file = out / ".coverage"
    pytest_args = [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--rootdir",
        str(inputs),
        "-c",
        str(inputs / "pytest.ini"),
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit2",
        str(inputs / filename),
    ]
    if with_coverage:
        argv = [
            prober.python,
            "-m",
            "coverage",
            "run",
            "--branch",
            f"--include={target_file}",
            f"--data-file={data_file}",
            *pytest_args,
        ]
    else:
        argv = [prober.python, *pytest_args]
    result = await prober.run_argv(
        argv, wall=wall, label="pytest generated tests", out_dir=out, read_only=(inputs,)
    )
    run = SuiteRun(wall_seconds=result.wall_seconds)
    try:
        report = await read_result_bytes_async(junit, max_bytes=_REPORT_CAP, name="junit.xml")
    except FileNotFoundError:
        run.error = (result.stdout + result.stderr)[-2000:] or "pytest produced no report"
        return run
    except UnsafeResultFile as exc:
        run.error = str(exc)
        return run
    _read_junit(report, run)
    if with_coverage and await asyncio.to_thread(os.path.lexists, data_file):
        # coverage json reads the first run's folder (read-only now) and writes a fresh one.
        cov_out = await prober.output_folder()
        folders.append(cov_out)
        cov_json = cov_out / "coverage.json"
        await prober.run_argv(
            [
                prober.python,
                "-m",
                "coverage",
                "json",
                f"--data-file={data_file}",
                "-o",
                str(cov_json),
            ],
            wall=min(60.0, max(5.0, wall)),
            label="coverage report",
            out_dir=cov_out,
            read_only=(out,),
        )
        try:
            data = await read_result_bytes_async(
                cov_json, max_bytes=_REPORT_CAP, name="coverage.json"
            )
        except (FileNotFoundError, UnsafeResultFile) as exc:
            # No figures rather than wrong ones; say why when the file was refused.
            if isinstance(exc, UnsafeResultFile):
                run.error = str(exc)
            return run
        _read_coverage(data, run)
    return run


def _read_junit(report: bytes, run: SuiteRun) -> None:
    try:
        root = ET.fromstring(report)
    except ET.ParseError as exc:
        run.error = f"unreadable junit report: {exc}"
        return
    for case in root.iter("testcase"):
        name = case.get("name", "")
        name = name.split("[")[0]
        # A test in a class is ``TestClass::test_x``, as the suite editor names it.
        owner = case.get("classname", "").rsplit(".", 1)[-1]
        if owner.startswith("Test"):
            name = f"{owner}::{name}"
        problem = next(
            (child for child in case if child.tag in ("failure", "error")),
            None,
        )
        run.collected += 1
        if problem is not None:
            run.failed[name] = (problem.get("message") or problem.text or "")[:500]
        elif not any(child.tag == "skipped" for child in case):
            run.passed.add(name)
    # A collection error is reported as a testcase named after the file.
    if run.collected == 0:
        for suite in root.iter("testsuite"):
            if suite.get("errors", "0") not in ("0", ""):
                run.error = "the generated module failed to collect"


def _read_coverage(report: bytes, run: SuiteRun) -> None:
    try:
        data = json.loads(report.decode("utf-8", "replace"))
        _coverage_figures(data, run)
    except (ValueError, TypeError, AttributeError, ZeroDivisionError):
        # Written in the sandbox, so possibly not coverage.py's shape: no figures then.
        run.line_percent = run.branch_percent = None


def _coverage_figures(data: dict[str, Any], run: SuiteRun) -> None:
    totals = data.get("totals", {})
    statements = totals.get("num_statements", 0)
    branches = totals.get("num_branches", 0)
    if statements:
        run.line_percent = round(100.0 * totals.get("covered_lines", 0) / statements, 1)
    run.branch_percent = (
        round(100.0 * totals.get("covered_branches", 0) / branches, 1) if branches else 100.0
    )
    for info in data.get("files", {}).values():
        run.missing_lines = sorted(info.get("missing_lines", []))
        run.missing_branches = [tuple(b) for b in info.get("missing_branches", [])]
