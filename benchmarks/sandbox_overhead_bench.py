"""Per-run overhead of every sandbox over bare pytest, side by side, and whole generations.

Part 1 runs one trivial pytest file N times (default 20) bare (a plain
subprocess, no sandbox) and through each runtime: local, bwrap, docker cold
(a fresh container per run), docker pooled (warm containers reused with
exec), podman cold and pooled. It prints the median wall time of each and
its overhead over bare pytest. Engines that do not answer are skipped.

Part 2 (``--generate``) runs a whole offline ``regoose generate`` of every
example module (examples/shop/*.py) on docker and on bwrap and prints the
wall time, tests kept and coverage of each.

    .venv/bin/python benchmarks/sandbox_overhead_bench.py [--runs 20] [--generate]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from regoose_tui.runtime.base import Limits, RunSpec, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.container.runtime import DockerRuntime, PodmanRuntime, drain_all
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python

REPO = Path(__file__).resolve().parents[1]
TEST = "def test_ok():\n    assert 1 + 1 == 2\n"


def _spec(project: Path, work: Path, python: Path) -> RunSpec:
    argv = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]
    # No third-party plugin autoload: Regoose's own venv has many, and their import time
    # (not the sandbox) would dominate and blur every figure.
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return RunSpec(
        argv=argv, project_dir=project, work_dir=work, env=env, limits=Limits(wall_seconds=60)
    )


async def _bare(spec: RunSpec) -> float:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *spec.argv,
        cwd=spec.work_dir,
        env={"PATH": "/usr/bin:/bin", **spec.env},
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


def _candidates() -> list[tuple[str, Callable[[], Runtime]]]:
    found: list[tuple[str, Callable[[], Runtime]]] = [("local", LocalRuntime)]
    if BwrapRuntime.availability().usable:
        found.append(("bwrap", BwrapRuntime))
    for cls in (DockerRuntime, PodmanRuntime):
        if cls.availability().usable:
            found.append((f"{cls.name} cold", lambda cls=cls: cls(pool_size=0)))
            found.append((f"{cls.name} pooled", lambda cls=cls: cls(pool_size=2)))
        else:
            print(f"{cls.name}: skipped ({cls.availability().reason})")
    return found


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
    medians: dict[str, float] = {}
    await _bare(spec)  # warm the page cache
    medians["bare pytest"] = statistics.median([await _bare(spec) for _ in range(runs)])
    for name, make in _candidates():
        runtime = make()
        await _timed(runtime, spec)  # first use: image check, engine client, pool start
        await asyncio.sleep(0.5)
        times = []
        for _ in range(runs):
            times.append(await _timed(runtime, spec))
            if "pooled" in name:
                await asyncio.sleep(0.2)  # as between two runs of a generation: reset in between
        medians[name] = statistics.median(times)
        drain_all()
    bare = medians["bare pytest"]
    print(f"\nper-run wall time, median of {runs} (trivial pytest file):")
    print(f"  {'runtime':<16}{'median':>10}{'overhead':>12}")
    for name, value in medians.items():
        extra = "" if name == "bare pytest" else f"{value - bare:+.3f} s"
        print(f"  {name:<16}{value:>9.3f}s{extra:>12}")
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


def generations(budget: int) -> None:
    modules = sorted(p for p in (REPO / "examples" / "shop").glob("*.py") if p.stem != "__init__")
    runtimes = [
        n for n in ("docker", "bwrap") if n != "docker" or DockerRuntime.availability().usable
    ]
    print(f"\nwhole offline generation (budget {budget} s, default iterations):")
    print(
        f"  {'module':<14}" + "".join(f"{n + ' (wall, tests, line/branch)':>40}" for n in runtimes)
    )
    for module in modules:
        cells = []
        for name in runtimes:
            root = Path(tempfile.mkdtemp(prefix="rg-gen-bench-"))
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
                    name,
                    "--budget",
                    str(budget),
                    "--out",
                    str(root / "out"),
                    "--json",
                ],
                capture_output=True,
                text=True,
                env={
                    "PATH": "/usr/bin:/bin",
                    "HOME": str(root),
                    "REGOOSE_DATA_DIR": str(root / "data"),
                },
            )
            wall = time.perf_counter() - started
            try:
                summary = json.loads(done.stdout)
                cells.append(
                    f"{wall:6.1f}s {summary['passed']:3d} tests "
                    f"{summary['line_coverage'] or 0:5.1f}%/{summary['branch_coverage'] or 0:5.1f}%"
                )
            except (ValueError, KeyError, TypeError):
                cells.append(f"{wall:6.1f}s failed ({done.returncode})")
            shutil.rmtree(root, ignore_errors=True)
        print(f"  {module.stem:<14}" + "".join(f"{c:>40}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
