"""A process start no cancel cuts in half (runtime/_spawn.py), with real processes.

asyncio's own start, cancelled after the fork but before it connected the
pipes, kills the direct child and then waits for pipes that a child in a
session of its own (bubblewrap's inner process) holds open: forever. The
start here returns the cancel promptly, kills the started group, and a
bubblewrap standby cancelled at any early point leaves no sandbox behind.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import processes_with, require_bwrap, wait_gone

from regoose_tui.runtime._spawn import start_exec
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.bwrap import BwrapRuntime

_SLEEP = "import time; time.sleep(60)"


def _split_off() -> None:
    """Before exec: fork a copy that leaves for a session of its own, pipes and all."""
    if os.fork() == 0:
        os.setsid()


def _alive_children_with(marker: str) -> list[int]:
    """This process's live (not zombie) children whose command line holds ``marker``."""
    found = []
    for pid in processes_with(marker):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z":
            found.append(pid)
    return found


def _wait_no_children(marker: str, within: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within
    while (alive := _alive_children_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


@pytest.mark.parametrize("turns", [1, 2, 3])
async def test_a_cancel_during_the_start_returns_and_kills_the_started_group(
    turns: int,
) -> None:
    marker = f"regoose-spawn-{uuid.uuid4().hex}"
    task = asyncio.create_task(
        start_exec(
            [sys.executable, "-c", _SLEEP, marker],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_split_off,
        )
    )
    try:
        for _ in range(turns):
            await asyncio.sleep(0)  # forked and exec'd; its pipes not all connected yet
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert done, "the cancelled start never returned"
        assert task.cancelled()
        # The started group is gone; the copy in its own session is a cgroup's to kill.
        assert await asyncio.to_thread(_wait_no_children, marker) == []
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)
        assert await asyncio.to_thread(wait_gone, marker) == []


async def test_a_start_that_is_not_cancelled_gives_the_process() -> None:
    marker = f"regoose-spawn-{uuid.uuid4().hex}"
    proc = await start_exec(
        [sys.executable, "-c", "print('up')", marker],
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    out, _ = await proc.communicate()
    assert out.decode().strip() == "up" and proc.returncode == 0


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 5, 8])
async def test_a_bwrap_standby_cancelled_while_it_starts_leaves_nothing(
    tmp_path: Path, turns: int
) -> None:
    require_bwrap()
    marker = f"regoose-spawn-{uuid.uuid4().hex}"
    project = tmp_path / "project"
    project.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    spec = RunSpec(
        argv=[sys.executable, "-c", "import sys; sys.stdin.read()", marker],
        project_dir=project,
        work_dir=work,
        limits=Limits(wall_seconds=60),
    )
    task = asyncio.create_task(BwrapRuntime().standby(spec, standby_seconds=60))
    for _ in range(turns):
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=20)
    assert done, "the cancelled standby start never returned"
    if not task.cancelled():
        standby = task.result()  # the cancel came after the start: it is the owner's
        assert standby is not None
        await standby.close()
    assert await asyncio.to_thread(wait_gone, marker, 10.0) == []
