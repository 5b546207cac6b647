"""Per-run overhead of every runtime over bare pytest, interleaved; whole generations.

Part 1 runs one trivial pytest file ``--runs`` times (default 20) bare (a
plain subprocess, no sandbox) and through each runtime: local, bwrap,
docker cold (a fresh container per run), docker pooled (warm containers
reused with exec), podman cold and pooled. The runs are interleaved (round
after round, each round every runtime once, the order rotating) so the
noise of a shared machine hits all of them alike. It also times the floor
of the exec model: one ``exec`` of ``/bin/true`` in a warm container, which
every pooled run pays. Prints a Markdown table of medians. Engines that do
not answer are skipped.

Part 2 (``--generate``) runs a whole offline ``regoose generate`` of every
example module (examples/shop: cart, inventory, pricing, textutil) on docker
and on bwrap, one after the other per module, and prints a Markdown table
of the wall time, tests kept and coverage of each.

    .venv/bin/python benchmarks/runtime_overhead_bench.py [--runs 20] [--generate]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from regoose_tui.runtime._allowlist import SandboxPolicy
from regoose_tui.runtime._process import scrubbed_env
from regoose_tui.runtime.base import Limits, RunSpec, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.container import lifecycle
from regoose_tui.runtime.container.layout import plan
from regoose_tui.runtime.container.runtime import (
    ContainerRuntime,
    DockerRuntime,
    PodmanRuntime,
    drain_all,
)
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python

REPO = Path(__file__).resolve().parents[1]
TEST = "def test_ok():\n    assert 1 + 1 == 2\n"
BARE = "bare pytest"


def _spec(project: Path, work: Path, python: Path) -> RunSpec:
    argv = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]
    # No third-party plugin autoload: Regoose's own venv has many, and their import time
    # (not the sandbox) would dominate and blur every figure.
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return RunSpec(
        argv=argv, project_dir=project, work_dir=work, env=env, limits=Limits(wall_seconds=60)
    )


async def _bare(spec: RunSpec) -> float:
    """The same command with the same environment as a sandboxed run, no sandbox at all."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *spec.argv,
        cwd=spec.work_dir,
        env=scrubbed_env(spec),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await proc.wait() == 0
    return time.perf_counter() - started


async def _timed(runtime: Runtime, spec: RunSpec) -> float:
    started = time.perf_counter()
    result = await runtime.run(spec)
    assert result.exit_code == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return time.perf_counter() - started


def _candidates() -> list[tuple[str, Runtime]]:
    found: list[tuple[str, Runtime]] = [("local", LocalRuntime())]
    if BwrapRuntime.availability().usable:
        found.append(("bwrap", BwrapRuntime()))
    for cls in (DockerRuntime, PodmanRuntime):
        if cls.availability().usable:
            found.append((f"{cls.name} cold", cls(pool_size=0)))
            found.append((f"{cls.name} pooled", cls(pool_size=2)))
        else:
            print(f"{cls.name}: skipped ({cls.availability().reason})")
    return found


def _exec_floor(runtime: ContainerRuntime, spec: RunSpec, runs: int) -> float:
    """Median time of one exec of /bin/true in a started container (create, start, inspect)."""
    client = runtime.client()
    layout = plan(spec, runtime.effective_limits(spec), SandboxPolicy())
    box = lifecycle.create(client, layout, runtime.image_name, "bench", "run")
    try:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            made = client.api.exec_create(box.id, ["/bin/true"], user=layout.user)
            client.api.exec_start(made["Id"])
            client.api.exec_inspect(made["Id"])
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        lifecycle.remove(client, box)


async def overhead(runs: int) -> None:
    python = resolve_python({}).executable
    # As in a generation: the project is the user's folder, the run's folder a fresh temp one.
    root = Path(tempfile.mkdtemp(prefix="rg-bench-", dir="/var/tmp"))
    root.chmod(0o755)
    project = root / "project"
    project.mkdir(mode=0o755)
    work = Path(tempfile.mkdtemp(prefix="rg-bench-work-"))
    (work / "test_trivial.py").write_text(TEST)
    spec = _spec(project, work, python)
    candidates = _candidates()
    await _bare(spec)  # warm the page cache
    for _, runtime in candidates:
        await _timed(runtime, spec)  # first use: image check, engine client, pool start
    await asyncio.sleep(0.5)
    times: dict[str, list[float]] = {BARE: [], **{name: [] for name, _ in candidates}}
    entrants: list[tuple[str, Runtime | None]] = [(BARE, None), *candidates]
    for round_no in range(runs):
        shift = round_no % len(entrants)
        for name, entrant in entrants[shift:] + entrants[:shift]:
            taken = await _bare(spec) if entrant is None else await _timed(entrant, spec)
            times[name].append(taken)
    floors = {
        f"{runtime.name} exec of /bin/true (the floor)": _exec_floor(runtime, spec, runs)
        for name, runtime in candidates
        if isinstance(runtime, ContainerRuntime) and name.endswith("pooled")
    }
    drain_all()
    bare = statistics.median(times[BARE])
    load = os.getloadavg()[0]
    print(
        f"\nPer-run wall time, trivial pytest file, median of {runs} interleaved rounds, "
        f"{datetime.date.today()} (load average {load:.1f}):\n"
    )
    print("| runtime | median s | over bare pytest s |")
    print("|---|---|---|")
    for name, values in times.items():
        value = statistics.median(values)
        extra = "" if name == BARE else f"{value - bare:+.3f}"
        print(f"| {name} | {value:.3f} | {extra} |")
    for name, value in floors.items():
        print(f"| {name} | {value:.3f} | |")
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


def _generate(module: Path, runtime: str, budget: int) -> str:
    root = Path(tempfile.mkdtemp(prefix="rg-gen-bench-", dir="/var/tmp"))
    root.chmod(0o755)
    project = root / "examples"
    shutil.copytree(REPO / "examples", project)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "regoose_tui",
            "generate",
            str(project / "shop" / module.name),
            "--project",
            str(project),
            "--runtime",
            runtime,
            "--budget",
            str(budget),
            "--out",
            str(root / "out"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(root), "REGOOSE_DATA_DIR": str(root / "data")},
    )
    wall = time.perf_counter() - started
    shutil.rmtree(root, ignore_errors=True)
    try:
        summary = json.loads(done.stdout)
        return (
            f"{wall:.1f} | {summary['passed']} | "
            f"{summary['line_coverage'] or 0:.1f} / {summary['branch_coverage'] or 0:.1f}"
        )
    except (ValueError, KeyError, TypeError):
        return f"{wall:.1f} | failed ({done.returncode}) | -"


def generations(budget: int) -> None:
    modules = sorted(p for p in (REPO / "examples" / "shop").glob("*.py") if p.stem != "__init__")
    runtimes = [
        n for n in ("docker", "bwrap") if n != "docker" or DockerRuntime.availability().usable
    ]
    rows: list[str] = []
    for module in modules:
        for name in runtimes:
            rows.append(f"| shop.{module.stem} | {name} | {_generate(module, name, budget)} |")
    print(
        f"\nWhole offline generation, budget {budget} s, default iterations, "
        f"{datetime.date.today()} (load average {os.getloadavg()[0]:.1f}):\n"
    )
    print("| module | runtime | wall s | tests kept | line / branch % |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--generate", action="store_true", help="also whole generations")
    parser.add_argument("--budget", type=int, default=120)
    parser.add_argument("--only-generate", action="store_true")
    args = parser.parse_args()
    if not args.only_generate:
        asyncio.run(overhead(args.runs))
    if args.generate or args.only_generate:
        generations(args.budget)


if __name__ == "__main__":
    main()
