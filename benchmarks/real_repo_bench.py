#!/usr/bin/env python3
"""Regoose on real repositories nobody here wrote: coverage gained, tests, wall, suspected bugs.

usage: real_repo_bench.py [--out FILE.json] [--skip-package | --package-only] [--only NAME]

Two PyPI sdists that ship their own tests, with different layouts: boltons
(flat: boltons/ beside tests/) and humanize (src/humanize/ beside tests/). The
sdists come from the e2e tests' cache (tests/e2e/real_repos.py: fetched once
with pip, under a lock). Each goes into a fresh git repository; humanize's test
dependencies (freezegun, pytest-benchmark) go into an in-project .venv, which
Regoose uses as the project's environment. For 3 modules of each, one offline
`regoose generate MODULE --seed 1` (staged for review, the tree untouched)
gives: the module's coverage from the project's own tests alone, with
Regoose's tests added, the tests added, the wall time and the suspected bugs.
Then a whole package (humanize's) with --jobs 1 and with --jobs 2. Prints
Markdown tables; --out writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from real_repos import checkout  # noqa: E402 (the e2e tests' sdist cache)

GENERATE = ("--seed", "1", "--budget", "120", "--iterations", "2", "--runtime", "bwrap")


@dataclass(frozen=True)
class Project:
    """One real repository: its sdist, layout, modules to measure and test needs."""

    package: str
    version: str
    layout: str
    modules: tuple[str, ...]
    #: Packages its own tests need beyond pytest (an in-project .venv gets them).
    test_needs: tuple[str, ...] = ()
    #: The package folder for the --jobs comparison (None: not measured).
    package_dir: str | None = None


PROJECTS = (
    Project(
        "boltons",
        "26.2.0",
        "flat",
        ("boltons/typeutils.py", "boltons/mathutils.py", "boltons/namedutils.py"),
    ),
    Project(
        "humanize",
        "4.17.0",
        "src",
        ("src/humanize/lists.py", "src/humanize/filesize.py", "src/humanize/number.py"),
        test_needs=("pytest>=8,<9", "coverage", "freezegun", "pytest-benchmark"),
        package_dir="src/humanize",
    ),
)


@dataclass
class Measured:
    """One `regoose generate` of one module."""

    project: str
    module: str
    code: int
    wall: float
    data: dict[str, Any] = field(default_factory=dict)
    err: str = ""


def _venv(root: Path, needs: tuple[str, ...]) -> None:
    """An in-project .venv with the project's test needs (Regoose runs its tests with it)."""
    subprocess.run([sys.executable, "-m", "venv", str(root / ".venv")], check=True)
    pip = [str(root / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q", *needs]
    subprocess.run(pip, check=True, capture_output=True, text=True)


def _regoose(root: Path, data_dir: Path, *args: str) -> tuple[int, str, str, float]:
    env = {**_environ(), "REGOOSE_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "regoose_tui", *args],
        cwd=root, capture_output=True, text=True, env=env, timeout=3600,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def _environ() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # the project's .venv (or Regoose's own) is the one used
    return env


def measure_module(project: Project, root: Path, data: Path, module: str) -> Measured:
    code, out, err, wall = _regoose(root, data, "generate", module, *GENERATE, "--json")
    try:
        parsed = json.loads(out)
    except json.JSONDecodeError:
        parsed = {}
    return Measured(project.package, module, code, wall, parsed, err[-2000:])


def measure_package(root: Path, data: Path, folder: str, jobs: int) -> dict[str, Any]:
    code, out, err, wall = _regoose(
        root, data, "generate", folder, "--jobs", str(jobs), *GENERATE, "--json"
    )
    try:
        parsed = json.loads(out)
    except json.JSONDecodeError:
        parsed = {}
    totals = parsed.get("totals", {})
    return {"jobs": jobs, "code": code, "wall": round(wall, 1), "totals": totals,
            "err": err[-1500:] if code else ""}  # fmt: skip


def _pct(value: object) -> str:
    return f"{value:.1f}%" if isinstance(value, int | float) else "-"


def module_table(rows: list[Measured]) -> str:
    head = (
        "| repo (layout) | module | own suite | + Regoose | tests added | wall | suspected bugs |\n"
        "|---|---|---|---|---|---|---|"
    )
    lines = [head]
    layouts = {p.package: p.layout for p in PROJECTS}
    for row in rows:
        base = row.data.get("baseline") or {}
        bugs = row.data.get("suspected_bugs") or []
        said = "; ".join(f"`{b['input']}`: {b['observed']}" for b in bugs) or "none"
        if row.code != 0:
            said = f"exit {row.code}: {row.err.strip().splitlines()[-1:] or ''}"
        lines.append(
            f"| {row.project} ({layouts[row.project]}) | {row.module} "
            f"| {_pct(base.get('line_before'))} lines, {_pct(base.get('branch_before'))} br "
            f"| {_pct(base.get('line_after'))} lines, {_pct(base.get('branch_after'))} br "
            f"| {row.data.get('tests', '-')} | {row.wall:.0f} s | {said} |"
        )
    return "\n".join(lines)


def package_table(package: str, runs: list[dict[str, Any]]) -> str:
    lines = [
        "| package | --jobs | wall | modules | tests | passed modules |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        totals = run["totals"]
        lines.append(
            f"| {package} | {run['jobs']} | {run['wall']:.0f} s | {totals.get('modules', '-')} "
            f"| {totals.get('tests', '-')} | {totals.get('passed_modules', '-')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, help="write every figure here as JSON")
    parser.add_argument("--skip-package", action="store_true", help="no --jobs 1/2 runs")
    parser.add_argument("--package-only", action="store_true", help="only the --jobs 1/2 runs")
    parser.add_argument("--only", help="one project by package name")
    args = parser.parse_args()
    rows: list[Measured] = []
    packages: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="regoose-real-bench-") as scratch:
        for project in PROJECTS:
            if args.only and project.package != args.only:
                continue
            base = Path(scratch) / project.package
            base.mkdir()
            root = checkout(base, project.package, project.version)
            if project.test_needs:
                _venv(root, project.test_needs)
            for module in () if args.package_only else project.modules:
                row = measure_module(project, root, base / "data", module)
                rows.append(row)
                print(json.dumps({"module": module, "code": row.code, "wall": round(row.wall, 1)}),
                      file=sys.stderr, flush=True)  # fmt: skip
            if project.package_dir and not args.skip_package:
                packages[project.package] = [
                    measure_package(root, base / f"data-jobs{jobs}", project.package_dir, jobs)
                    for jobs in (1, 2)
                ]
    print(module_table(rows))
    for package, runs in packages.items():
        print()
        print(package_table(package, runs))
    if args.out:
        args.out.write_text(
            json.dumps({"modules": [row.__dict__ for row in rows], "packages": packages}, indent=2)
        )
    return 0 if all(row.code == 0 for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
