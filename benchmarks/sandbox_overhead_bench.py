"""Overhead of the bwrap boundary on one run: old argv (host root) vs the allow-list.

Runs a trivial pytest file N times (default 20) through bwrap with each
command line and prints the medians. "old" is the previous build_argv
(``--ro-bind / /``, no cgroup, uncapped tmpfs); "new" is today's, run the
way BwrapRuntime runs it (a fresh run cgroup included).

    .venv/bin/python benchmarks/sandbox_overhead_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.bwrap import BwrapRuntime, _outermost, build_argv, find_bwrap
from regoose_tui.runtime.python_env import resolve_python


def old_argv(bwrap: str, spec: RunSpec) -> list[str]:
    """The command line before the allow-list (host root read-only, /tmp tmpfs)."""
    argv = [bwrap, "--ro-bind", "/", "/", "--remount-ro", "/"]
    argv += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in _outermost([Path(sys.prefix), Path(sys.base_prefix), *spec.read_only_paths]):
        argv += ["--ro-bind-try", str(path), str(path)]
    argv += ["--ro-bind", str(spec.project_dir), str(spec.project_dir)]
    argv += ["--bind", str(spec.work_dir), str(spec.work_dir)]
    argv += ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    argv += ["--chdir", str(spec.work_dir), "--clearenv"]
    for key, value in scrubbed_env(spec).items():
        argv += ["--setenv", key, value]
    return [*argv, "--", *spec.argv]


async def _time(make_argv, spec: RunSpec, runs: int, use_cgroup: bool) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        argv = make_argv(spec)
        result = await run_process(
            argv,
            cwd=spec.work_dir,
            env={"PATH": "/usr/bin:/bin"},
            limits=spec.limits,
            on_output=None,
            use_cgroup=use_cgroup,
        )
        assert result.exit_code == 0, result.stdout + result.stderr
        times.append(time.perf_counter() - started)
    return times


async def main(runs: int) -> None:
    bwrap = find_bwrap()
    assert bwrap and BwrapRuntime.availability().usable, "bubblewrap is needed"
    python = resolve_python({})
    root = Path(tempfile.mkdtemp(prefix="rg-bench-", dir="/var/tmp"))
    project, work = root / "project", root / "work"
    project.mkdir()
    work.mkdir()
    (work / "test_trivial.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    spec = RunSpec(
        argv=[
            str(python.executable),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_trivial.py",
        ],
        project_dir=project,
        work_dir=work,
        # Plugin autoload off: measure the sandbox, not this venv's many plugins.
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        limits=Limits(wall_seconds=60),
        read_only_paths=python.read_only_paths,
    )
    await _time(lambda s: build_argv(bwrap, s), spec, 2, True)  # warm caches
    rows = {
        "old (ro-bind /, no cgroup)": await _time(lambda s: old_argv(bwrap, s), spec, runs, False),
        "new (allow-list + cgroup)": await _time(lambda s: build_argv(bwrap, s), spec, runs, True),
    }
    t = time.perf_counter()
    for _ in range(100):
        build_argv(bwrap, spec)
    per_build = (time.perf_counter() - t) / 100
    for name, times in rows.items():
        print(
            f"{name:<28} median {statistics.median(times) * 1000:7.1f} ms  "
            f"min {min(times) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  (n={runs})"
        )
    print(f"build_argv alone (new): {per_build * 1000:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
