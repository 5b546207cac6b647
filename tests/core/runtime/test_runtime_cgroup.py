"""The per-run cgroup: limits for the whole tree, kill, removal, probing."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from regoose_tui.runtime import cgroup
from regoose_tui.runtime.base import Limits, Runtime


def test_probe_reads_v1_hierarchies(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    for name in ("memory", "pids"):
        (root / name / "user" / "me").mkdir(parents=True)
        (root / name / "cgroup.procs").write_text("")
    own = tmp_path / "self"
    own.write_text("4:memory:/user/me\n8:pids:/user/me\n0::/\n")
    found = cgroup.probe(root, own)
    assert found.kind == "v1"
    assert found.parents == {n: root / n / "user" / "me" for n in ("memory", "pids")}


def test_probe_needs_a_delegated_v2_subtree(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    (root / "me").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("memory pids\n")
    (root / "me" / "cgroup.controllers").write_text("memory pids\n")
    (root / "me" / "cgroup.subtree_control").write_text("pids\n")
    own = tmp_path / "self"
    own.write_text("0::/me\n")
    assert cgroup.probe(root, own).kind == "none"
    assert "delegated" in cgroup.probe(root, own).reason
    (root / "me" / "cgroup.subtree_control").write_text("memory pids\n")
    assert cgroup.probe(root, own).kind == "v2"


def _require_cgroup() -> None:
    if not cgroup.support().usable:
        pytest.skip(f"no usable cgroup here: {cgroup.support().reason}")


async def test_pids_cap_the_whole_run(runtime: Runtime, make_spec) -> None:
    _require_cgroup()
    code = textwrap.dedent(
        """
        import os, time
        n = 0
        try:
            for _ in range(200):
                if os.fork() == 0:
                    time.sleep(5); os._exit(0)
                n += 1
        except OSError:
            pass
        print(n)
        """
    )
    before = _mine()
    result = await runtime.run(make_spec(code, limits=Limits(wall_seconds=30, nproc=40)))
    assert int(result.stdout.split()[0]) < 40, result
    assert "pids" in result.limit_hit
    assert _mine() <= before  # this run's cgroup is gone


async def test_memory_caps_the_whole_run_not_each_process(runtime: Runtime, make_spec) -> None:
    _require_cgroup()
    code = textwrap.dedent(
        """
        import subprocess, sys
        hog = "b = bytearray(60 * 1024**2); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(2)"
        kids = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(4)]
        print([k.wait() for k in kids])
        """
    )
    limits = Limits(wall_seconds=30, memory_bytes=160 * 1024**2)
    before = _mine()
    result = await runtime.run(make_spec(code, limits=limits))
    codes = eval(result.stdout.strip().splitlines()[-1])  # a printed list of ints
    assert any(code != 0 for code in codes), result
    assert "memory" in result.limit_hit
    assert _mine() <= before  # this run's cgroup is gone


def _mine() -> set[Path]:
    """Run cgroups this test process made that still exist."""
    return {p for p in cgroup.leftovers() if cgroup.creator_pid(p) == os.getpid()}


def test_a_cgroup_its_tasks_outlived_is_removed_by_the_next_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _require_cgroup()
    before = _mine()
    group = cgroup.create(memory_bytes=256 * 1024**2, pids=16)
    assert group is not None
    # Removal that cannot kill the task and has no time to wait for it gives up on the
    # folder while the task is still in it (as under load, or with a task stuck in the kernel).
    stuck = subprocess.Popen(["sleep", "60"], preexec_fn=group.join_fn())
    monkeypatch.setattr(cgroup, "_REMOVE_SECONDS", 0.0)
    monkeypatch.setattr(group, "kill", lambda: None)
    group.remove()
    left = set(group.folders.values())
    assert left and all(folder.exists() for folder in left)
    stuck.kill()
    stuck.wait()
    monkeypatch.undo()
    following = cgroup.create(memory_bytes=256 * 1024**2, pids=16)
    assert following is not None
    assert not any(folder.exists() for folder in left)
    following.remove()
    assert _mine() <= before
