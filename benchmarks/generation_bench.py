#!/usr/bin/env python3
"""Run `regoose generate` on the test-generation benchmark as a user would, and measure.

usage: generation_bench.py BENCH_DIR [--budget S] [--modules m1,m2] [--examples]
                           [--regoose PATH] [--mutation] [--mutation-budget S]

BENCH_DIR comes from ../shared/bench/setup_bench.sh (BENCH_DIR/venv, BENCH_DIR/proj).
For each module: activate the bench venv (VIRTUAL_ENV, PATH), run this checkout's
`regoose generate` with --project BENCH_DIR/proj, then measure the written suite
with the bench's measure_suite.py under the bench venv's Python. With
--examples, also does the bundled example modules. Prints one JSON line per
module and a Markdown table.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: ../shared/bench beside the checkout (a worktree one level deeper looks one further up).
SHARED_BENCH = next(
    (
        up / "shared" / "bench"
        for up in REPO.parents
        if (up / "shared" / "bench" / "modules.txt").exists()
    ),
    REPO.parent / "shared" / "bench",
)
REGOOSE = Path(sys.executable).with_name("regoose")
#: The ruff that judges the written files (the bench venv's, set in main; else this one's).
RUFF = str(Path(sys.executable).with_name("ruff"))


def modules_from_list() -> list[str]:
    lines = (SHARED_BENCH / "modules.txt").read_text().splitlines()
    return [line.split()[1] for line in lines if line.strip() and not line.startswith("#")]


def module_file(proj: Path, module: str) -> Path:
    path = proj.joinpath(*module.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"


COUNTER = re.compile(r"_\d+$")


def readability(out: Path, ruff: str) -> dict[str, object]:
    """ruff findings, format check and counter-suffixed names of the written test files."""
    files = sorted(out.glob("test_*.py"))
    check = subprocess.run(
        [
            ruff,
            "check",
            "--isolated",
            "--select",
            "E,F,I,B",
            "--ignore",
            "E501",
            "--output-format",
            "json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        cwd=out,
    )
    findings = len(json.loads(check.stdout or "[]"))
    fmt = subprocess.run(
        [ruff, "format", "--isolated", "--check", *map(str, files)], capture_output=True, text=True
    )
    names = [
        node.name
        for path in files
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    ]
    return {
        "ruff_findings": findings,
        "formatted": fmt.returncode == 0,
        "counter_names": sum(1 for n in names if COUNTER.search(n)),
    }


def mutation(python: str, out: Path, module: str, proj: Path, budget: float) -> dict[str, object]:
    """The bench's mutation score of the written suite."""
    result = subprocess.run(
        [
            sys.executable,
            str(SHARED_BENCH / "mutation_score.py"),
            python,
            str(out),
            module,
            "--budget",
            str(budget),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(proj)),
        timeout=budget * 3 + 600,
    )
    lines = result.stdout.strip().splitlines()
    if not lines:
        return {"mutation": None}
    data = json.loads(lines[-1])
    return {"mutation": data.get("score"), "mutation_complete": data.get("complete")}


def run_one(
    module: str,
    proj: Path,
    venv: Path | None,
    out: Path,
    budget: float,
    regoose: Path = REGOOSE,
    mutation_budget: float | None = None,
) -> dict[str, object]:
    env = dict(os.environ)
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env.setdefault("REGOOSE_DATA_DIR", str(out.parent / "data"))
    shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(regoose),
            "generate",
            str(module_file(proj, module)),
            "--project",
            str(proj),
            "--out",
            str(out),
            "--budget",
            str(budget),
            "--json",
            "--force",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=budget * 4 + 120,
    )
    wall = time.monotonic() - started
    row: dict[str, object] = {"module": module, "exit": result.returncode, "wall_s": round(wall, 1)}
    if result.returncode not in (0, 1):
        row["error"] = result.stderr.strip().splitlines()[-1:] or ["?"]
        return row
    python = str(venv / "bin" / "python") if venv else sys.executable
    measured = subprocess.run(
        [sys.executable, str(SHARED_BENCH / "measure_suite.py"), python, str(out), module],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(proj)),
        timeout=900,
    )
    lines = measured.stdout.strip().splitlines()
    if not lines:
        row["error"] = measured.stderr.strip().splitlines()[-1:] or [
            "measure_suite printed nothing"
        ]
        return row
    row.update(json.loads(lines[-1]))
    row.update(readability(out, RUFF))
    if mutation_budget is not None:
        row.update(mutation(python, out, module, proj, mutation_budget))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--modules", help="comma-separated subset of modules.txt")
    parser.add_argument("--examples", action="store_true", help="also the bundled examples")
    parser.add_argument("--regoose", type=Path, default=REGOOSE, help="the regoose to run")
    parser.add_argument("--mutation", action="store_true", help="also the mutation score")
    parser.add_argument("--mutation-budget", type=float, default=300.0)
    parser.add_argument("--out-name", default="regoose-cli", help="folder under BENCH_DIR")
    args = parser.parse_args()
    bench = args.bench_dir.resolve()
    # As installed from a wheel: Regoose's bytecode exists (an editable checkout has none,
    # and with PYTHONDONTWRITEBYTECODE every run would compile it again, see `make bytecode`).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", str(REPO / "regoose_tui")],
        check=False,
    )
    global RUFF
    if (bench / "venv" / "bin" / "ruff").exists():
        RUFF = str(bench / "venv" / "bin" / "ruff")
    rows = []
    mut = args.mutation_budget if args.mutation else None
    # --modules "" with --examples: the example project only.
    modules = (
        [m for m in args.modules.split(",") if m]
        if args.modules is not None
        else modules_from_list()
    )
    for module in modules:
        row = run_one(
            module,
            bench / "proj",
            bench / "venv",
            bench / args.out_name / module,
            args.budget,
            args.regoose,
            mut,
        )
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.examples:
        proj = REPO / "examples"
        for path in sorted((proj / "shop").glob("[!_]*.py")):
            module = f"shop.{path.stem}"
            row = run_one(
                module,
                proj,
                None,
                bench / f"{args.out_name}-examples" / module,
                args.budget,
                args.regoose,
                mut,
            )
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(
        "\n| module | tests | passed | line % | branch % | mutation % | wall s "
        "| ruff findings | formatted | counter names |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    for row in rows:
        print(
            f"| {row['module']} | {row.get('tests', '-')} | {row.get('passed', '-')} | "
            f"{row.get('line_cov', '-')} | {row.get('branch_cov', '-')} | "
            f"{row.get('mutation', '-')} | {row['wall_s']} | {row.get('ruff_findings', '-')} | "
            f"{row.get('formatted', '-')} | {row.get('counter_names', '-')} |"
        )


if __name__ == "__main__":
    main()
