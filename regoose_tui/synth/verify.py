"""Run the rendered module with pytest (under coverage.py when present) in the sandbox.

The engine calls ``run_suite`` until every test passes: failing tests are cut
out of the module and the rest rerun. The coverage figures reported with the
result come from the last (all-green) run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from regoose_tui.synth.probe import Prober


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
    """Write ``source`` into a fresh folder of the work dir and run pytest on it."""
    folder = prober.work_dir / "verify"
    folder.mkdir(exist_ok=True)
    # An ini file of our own keeps the user's pytest config (addopts, plugins) out.
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    test_path = folder / filename
    test_path.write_text(source, encoding="utf-8")
    junit = folder / "junit.xml"
    junit.unlink(missing_ok=True)
    data_file = folder / ".coverage"
    data_file.unlink(missing_ok=True)
    cov_json = folder / "coverage.json"
    cov_json.unlink(missing_ok=True)
    pytest_args = [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--rootdir",
        str(folder),
        "-c",
        str(folder / "pytest.ini"),
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit2",
        str(test_path),
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
    result = await prober.run_argv(argv, wall=wall, label="pytest generated tests")
    run = SuiteRun(wall_seconds=result.wall_seconds)
    if not junit.exists():
        run.error = (result.stdout + result.stderr)[-2000:] or "pytest produced no report"
        return run
    _read_junit(junit, run)
    if with_coverage and data_file.exists():
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
        )
        _read_coverage(cov_json, run)
    return run


def _read_junit(path: Path, run: SuiteRun) -> None:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        run.error = f"unreadable junit report: {exc}"
        return
    for case in root.iter("testcase"):
        name = case.get("name", "")
        name = name.split("[")[0]
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
            if int(suite.get("errors", "0")):
                run.error = "the generated module failed to collect"


def _read_coverage(path: Path, run: SuiteRun) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return
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
        run.missing_branches = [tuple(b) for b in info.get("missing_branches", [])]  # type: ignore[misc]
