#!/usr/bin/env python3
"""Run `regoose generate` on the test-generation benchmark as a user would, and measure.

usage: generation_bench.py BENCH_DIR [--budget S] [--modules m1,m2] [--examples]

BENCH_DIR comes from ../shared/bench/setup_bench.sh (BENCH_DIR/venv, BENCH_DIR/proj).
For each module: activate the bench venv (VIRTUAL_ENV, PATH), run this checkout's
`regoose generate` with --project BENCH_DIR/proj, then measure the written suite
with the bench's measure_suite.py under the bench venv's Python. With
--examples, also does the bundled example modules. Prints one JSON line per
module and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = REPO.parent / "shared" / "bench"
REGOOSE = Path(sys.executable).with_name("regoose")


def modules_from_list() -> list[str]:
    lines = (SHARED_BENCH / "modules.txt").read_text().splitlines()
    return [line.split()[1] for line in lines if line.strip() and not line.startswith("#")]


def module_file(proj: Path, module: str) -> Path:
    path = proj.joinpath(*module.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"


def run_one(module: str, proj: Path, venv: Path | None, out: Path, budget: float) -> dict[str, object]:
    env = dict(os.environ)
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env.setdefault("REGOOSE_DATA_DIR", str(out.parent / "data"))
    shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(REGOOSE), "generate", str(module_file(proj, module)), "--project", str(proj),
         "--out", str(out), "--budget", str(budget), "--json", "--force"],
        capture_output=True, text=True, env=env, timeout=budget * 4 + 120,
    )
    wall = time.monotonic() - started
    row: dict[str, object] = {"module": module, "exit": result.returncode, "wall_s": round(wall, 1)}
    if result.returncode not in (0, 1):
        row["error"] = result.stderr.strip().splitlines()[-1:] or ["?"]
        return row
    python = str(venv / "bin" / "python") if venv else sys.executable
    measured = subprocess.run(
        [sys.executable, str(SHARED_BENCH / "measure_suite.py"), python, str(out), module],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(proj)), timeout=900,
    )
    row.update(json.loads(measured.stdout.strip().splitlines()[-1]))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--modules", help="comma-separated subset of modules.txt")
    parser.add_argument("--examples", action="store_true", help="also the bundled examples")
    args = parser.parse_args()
    bench = args.bench_dir.resolve()
    rows = []
    modules = args.modules.split(",") if args.modules else modules_from_list()
    for module in modules:
        row = run_one(module, bench / "proj", bench / "venv", bench / "regoose-cli" / module, args.budget)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.examples:
        proj = REPO / "examples"
        for path in sorted((proj / "shop").glob("[!_]*.py")):
            module = f"shop.{path.stem}"
            row = run_one(module, proj, None, bench / "regoose-examples" / module, args.budget)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("\n| module | tests | passed | line % | branch % | wall s |\n|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['module']} | {row.get('tests', '-')} | {row.get('passed', '-')} | "
              f"{row.get('line_cov', '-')} | {row.get('branch_cov', '-')} | {row['wall_s']} |")


if __name__ == "__main__":
    main()
