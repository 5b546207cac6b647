#!/usr/bin/env python3
"""Measure the generate -> run -> keep loop on the example project with scripted answers.

usage: keep_loop_bench.py [--repeat N] [--skip-loop] [--skip-keep]

1. The loop: `regoose generate examples/shop/cart.py` with `--strategy llm` and
   with `--strategy hybrid` against tests/support/openai_server.py (the same
   scripted answers as scripts/record_cassette.py, so the same "model"). Per
   iteration: tests kept / repaired / dropped / flaky and coverage before and
   after (the JSON's iteration_log); tokens, cost; and the loop's own
   overhead per iteration, i.e. its wall time minus the generator's time
   (which is the model's answer for `llm`), from the session's stored events.
2. The keep rule's cost: for each example module, its offline suite is
   checked the old way (two pytest sessions in a row, each under coverage)
   and the new way (one session, every test 3 times in seeded random order
   with per-test coverage contexts), in bubblewrap; median of N repeats.

Prints JSON lines and Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

from record_cassette import SCRIPT  # noqa: E402
from support.openai_server import ScriptedOpenAIServer  # noqa: E402

MODULES = ("cart", "inventory", "pricing", "textutil")


async def _generate(project: Path, data: Path, strategy: str) -> dict[str, Any]:
    server = ScriptedOpenAIServer()
    await server.start()
    server.push(*SCRIPT)
    env = dict(os.environ, REGOOSE_DATA_DIR=str(data), OPENAI_API_KEY="sk-bench")
    command = [
        sys.executable, "-m", "regoose_tui", "generate", str(project / "shop" / "cart.py"),
        "--project", str(project), "--provider", "openai/demo", "--api-base", server.api_base,
        "--strategy", strategy, "--runtime", "bwrap", "--iterations", "5", "--budget", "200",
        "--out", str(project / f"out-{strategy}"), "--json", "--quiet",
    ]  # fmt: skip
    try:
        done = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, timeout=400
        )
    finally:
        await server.close()
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout)
    result["requests"] = len(server.requests)
    result["prompt_chars"] = sum(len(r.prompt_text) for r in server.requests)
    result["overhead"] = _overheads(data / "sessions.db")
    return result


def _overheads(db: Path) -> list[dict[str, float]]:
    """Per iteration: wall (generator start -> validator end), generator time, the rest."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT kind, ts, json FROM events WHERE kind IN ('agent.started', 'agent.finished')"
        ).fetchall()
    finally:
        conn.close()
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    model: dict[int, float] = {}
    for kind, ts, raw in rows:
        event = json.loads(raw)
        node, iteration = event.get("node_id"), event.get("iteration", 0)
        if kind == "agent.started" and node == "generator":
            starts[iteration] = ts
        if kind == "agent.finished" and node == "generator":
            model[iteration] = float(event["elapsed"])
        if kind == "agent.finished" and node == "validator":
            ends[iteration] = ts
    out = []
    for iteration in sorted(starts):
        if iteration in ends:
            wall = ends[iteration] - starts[iteration]
            gen = model.get(iteration, 0.0)
            out.append(
                {"iteration": iteration, "wall": round(wall, 2), "generator": round(gen, 2),
                 "overhead": round(wall - gen, 2)}
            )  # fmt: skip
    return out


def loop_bench() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="regoose-keep-bench-") as tmp:
        for strategy in ("llm", "hybrid"):
            project = Path(tmp) / strategy / "examples"
            shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns("cassettes"))
            data = Path(tmp) / strategy / "data"
            result = asyncio.run(_generate(project, data, strategy))
            print(json.dumps({"strategy": strategy, **{k: result[k] for k in (
                "tests", "line_coverage", "branch_coverage", "tokens", "cost_usd", "stopped_by",
                "requests", "prompt_chars", "iteration_log", "overhead", "notes")}}))  # fmt: skip
            rows.append((strategy, result))
    print(
        "\n| strategy | iter | kept | repaired | dropped | flaky | lines before→after "
        "| branches before→after | keep check s | wall s | generator s | loop overhead s |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|")
    for strategy, result in rows:
        over = {o["iteration"]: o for o in result["overhead"]}
        for entry in result["iteration_log"]:
            o = over.get(entry["iteration"], {})
            print(
                f"| {strategy} | {entry['iteration']} | {entry['kept']} | {entry['repaired']} "
                f"| {entry['dropped']} | {entry['flaky']} "
                f"| {entry['line_before']}→{entry['line_after']} "
                f"| {entry['branch_before']}→{entry['branch_after']} | {entry['check_seconds']} "
                f"| {o.get('wall', '')} | {o.get('generator', '')} | {o.get('overhead', '')} |"
            )
    print(
        "\n| strategy | tests | lines % | branches % | requests | prompt tokens | completion "
        "tokens | prompt chars sent | cost | stopped by | median loop overhead s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for strategy, result in rows:
        overheads = [o["overhead"] for o in result["overhead"]]
        median = statistics.median(overheads) if overheads else 0.0
        print(
            f"| {strategy} | {result['tests']} | {result['line_coverage']} "
            f"| {result['branch_coverage']} | {result['requests']} "
            f"| {result['tokens']['prompt']} | {result['tokens']['completion']} "
            f"| {result['prompt_chars']} | ${result['cost_usd']} ({'; '.join(result['notes'])}) "
            f"| {result['stopped_by']} | {median:.2f} |"
        )


async def _keep_cost(module: str, work: Path, repeat: int) -> dict[str, Any]:
    from regoose_tui.runtime.bwrap import BwrapRuntime
    from regoose_tui.runtime.pytest_runner import run_pytest
    from regoose_tui.runtime.python_env import resolve_python

    project = work / module / "examples"
    shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns("cassettes"))
    out = work / module / "suite"
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "regoose_tui", "generate", str(project / "shop" / f"{module}.py"),
         "--project", str(project), "--runtime", "bwrap", "--iterations", "1", "--budget", "60",
         "--out", str(out), "--json", "--quiet"],
        env=dict(os.environ, REGOOSE_DATA_DIR=str(work / module / "data")),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    suite = json.loads(done.stdout)
    runtime, python = BwrapRuntime(), resolve_python({})
    source = project / "shop" / f"{module}.py"
    test_file = Path(suite["tests_written"][0])
    old, new = [], []

    async def once(rounds: int) -> float:
        started = time.monotonic()
        report = await run_pytest(
            runtime, python, project_dir=project, work_dir=test_file.parent,
            test_paths=[Path(test_file.name)], cov_source=source, rounds=rounds, seed=0,
            autoload_plugins=False,
        )  # fmt: skip
        assert report.status == "passed", report.reason
        return time.monotonic() - started

    for _ in range(repeat):
        old.append(await once(1) + await once(1))  # the old rule: two sessions in a row
        new.append(await once(3))  # the new rule: one session, 3 runs in random order
    return {
        "module": module,
        "tests": suite["tests"],
        "old_2_sessions_s": round(statistics.median(old), 2),
        "new_3_rounds_s": round(statistics.median(new), 2),
    }


def keep_bench(repeat: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="regoose-keep-cost-") as tmp:
        for module in MODULES:
            row = asyncio.run(_keep_cost(module, Path(tmp), repeat))
            print(json.dumps(row))
            rows.append(row)
    print("\n| module | tests | old: 2 sessions (s) | new: 1 session x3 random order (s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        ratio = row["new_3_rounds_s"] / row["old_2_sessions_s"]
        print(f"| {row['module']} | {row['tests']} | {row['old_2_sessions_s']} "
              f"| {row['new_3_rounds_s']} | {ratio:.2f} |")  # fmt: skip
    old = statistics.median(r["old_2_sessions_s"] for r in rows)
    new = statistics.median(r["new_3_rounds_s"] for r in rows)
    print(f"| **median** | | {old:.2f} | {new:.2f} | {new / old:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument("--skip-keep", action="store_true")
    args = parser.parse_args()
    if not args.skip_loop:
        loop_bench()
    if not args.skip_keep:
        keep_bench(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
