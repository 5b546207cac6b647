"""Runtime.standby: a sandboxed command started ahead that takes its job on stdin.

Real runs under bubblewrap and the local runtime: the job reaches the command,
the wall clock starts at the hand-over, a hung job dies at its deadline, a cancel
reaches the sandbox, and an unused standby dies when closed or when it waited too long.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import processes_with, require_bwrap, wait_gone, wait_until_present

from regoose_tui.runtime import cgroup
from regoose_tui.runtime.base import Limits, RunSpec, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime

#: Says it is up, reads its job (seconds to sleep) to EOF, echoes it, sleeps.
_COMMAND = (
    "import sys, time\n"
    "print('up', flush=True)\n"
    "job = sys.stdin.read()\n"
    "print('job', job, flush=True)\n"
    "time.sleep(float(job))\n"
    "print('done', flush=True)\n"
)


@pytest.fixture(params=["bwrap", "local"])
def runtime(request: pytest.FixtureRequest) -> Runtime:
    if request.param == "bwrap":
        require_bwrap()
        return BwrapRuntime()
    return LocalRuntime()


def _spec(tmp_path: Path, marker: str) -> RunSpec:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    work = tmp_path / f"work-{uuid.uuid4().hex[:6]}"
    work.mkdir()
    # The marker in argv finds the command's processes on the host.
    return RunSpec(
        argv=[sys.executable, "-c", _COMMAND, marker],
        project_dir=project,
        work_dir=work,
        limits=Limits(wall_seconds=60),
    )


def _mine() -> set[Path]:
    """Run cgroups this test process made that still exist."""
    if not cgroup.support().usable:
        return set()
    return {p for p in cgroup.leftovers() if cgroup.creator_pid(p) == os.getpid()}


@pytest.fixture(autouse=True)
def _cgroups_before() -> Iterator[None]:
    # What an earlier test of this worker left is not this test's to answer for.
    _BEFORE.clear()
    _BEFORE.update(_mine())
    yield


_BEFORE: set[Path] = set()


def _no_run_cgroups_left() -> bool:
    """No run cgroup this test made is still there (other tests' and sessions' are not ours)."""
    return _mine() <= _BEFORE


async def test_the_job_goes_in_on_stdin_and_the_wall_clock_starts_at_the_hand_over(
    runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_spec(tmp_path, marker), standby_seconds=30)
    assert standby is not None
    assert await asyncio.to_thread(wait_until_present, marker)
    # Waiting longer than the job's wall clock before handing it over costs it nothing.
    await asyncio.sleep(1.5)
    assert standby.waiting
    lines: list[tuple[str, str]] = []
    result = await standby.run(
        b"0.3", wall_seconds=1.2, on_output=lambda stream, line: lines.append((stream, line))
    )
    assert result.exit_code == 0 and not result.timed_out, result
    assert result.stdout.splitlines() == ["up", "job 0.3", "done"]
    assert 0.3 <= result.wall_seconds < 1.2
    # Lines printed before the hand-over are kept in the result, not sent to the job's sink.
    assert lines == [("stdout", "job 0.3"), ("stdout", "done")]
    assert await asyncio.to_thread(wait_gone, marker) == []
    assert _no_run_cgroups_left()
    with pytest.raises(Exception, match="one job only"):
        await standby.run(b"0", wall_seconds=1)


async def test_a_hung_job_is_killed_at_its_deadline(runtime: Runtime, tmp_path: Path) -> None:
    marker = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_spec(tmp_path, marker), standby_seconds=30)
    assert standby is not None
    started = time.monotonic()
    result = await standby.run(b"60", wall_seconds=1.0)
    assert result.timed_out and result.killed
    assert time.monotonic() - started < 5.0
    assert "done" not in result.stdout
    assert await asyncio.to_thread(wait_gone, marker) == []
    assert _no_run_cgroups_left()


async def test_a_cancel_reaches_the_sandboxed_command(runtime: Runtime, tmp_path: Path) -> None:
    marker = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_spec(tmp_path, marker), standby_seconds=30)
    assert standby is not None
    task = asyncio.create_task(standby.run(b"60", wall_seconds=30))
    await asyncio.sleep(0.5)
    assert processes_with(marker)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_gone, marker) == []
    assert _no_run_cgroups_left()


async def test_an_unused_standby_dies_when_closed_or_when_it_waited_too_long(
    runtime: Runtime, tmp_path: Path
) -> None:
    closed = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_spec(tmp_path, closed), standby_seconds=30)
    assert standby is not None
    assert await asyncio.to_thread(wait_until_present, closed)
    await standby.close()
    await standby.close()  # idempotent
    assert not standby.waiting
    assert await asyncio.to_thread(wait_gone, closed) == []

    expired = f"standby-{uuid.uuid4().hex}"
    late = await runtime.standby(_spec(tmp_path, expired), standby_seconds=0.5)
    assert late is not None
    assert await asyncio.to_thread(wait_until_present, expired)
    await asyncio.sleep(1.5)
    assert await asyncio.to_thread(wait_gone, expired) == []
    # Handed over after it died: the result says so instead of hanging.
    result = await late.run(b"0", wall_seconds=5)
    assert result.exit_code != 0 and "job" not in result.stdout
    assert _no_run_cgroups_left()


#: Serves requests one per line (seconds to sleep, then the reply to print), until EOF.
_SERVER = (
    "import sys, time\n"
    "for line in sys.stdin:\n"
    "    delay, reply = line.split()\n"
    "    time.sleep(float(delay))\n"
    "    print('noise', flush=True)\n"
    "    print(reply, flush=True)\n"
)


def _server_spec(tmp_path: Path, marker: str) -> RunSpec:
    spec = _spec(tmp_path, marker)
    return RunSpec(
        argv=[sys.executable, "-c", _SERVER, marker],
        project_dir=spec.project_dir,
        work_dir=spec.work_dir,
        limits=spec.limits,
    )


async def test_requests_one_after_another_each_on_its_own_wall_clock(
    runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_server_spec(tmp_path, marker), standby_seconds=30)
    assert standby is not None
    for number in range(3):
        result = await standby.request(
            f"0.2 answered-{number}\n".encode(), wall_seconds=2.0, reply=f"answered-{number}"
        )
        # Answered: still running, waiting for the next request.
        assert result.exit_code is None and not result.timed_out, result
        assert 0.2 <= result.wall_seconds < 2.0
        assert standby.serving and processes_with(marker)
    # A request the command does not answer in time: killed, and nothing more is served.
    late = await standby.request(b"60 never\n", wall_seconds=1.0, reply="never")
    assert late.timed_out and late.killed and not standby.serving
    assert await asyncio.to_thread(wait_gone, marker) == []
    with pytest.raises(Exception, match="no more requests"):
        await standby.request(b"0 x\n", wall_seconds=1.0, reply="x")
    assert _no_run_cgroups_left()


async def test_a_cancelled_request_kills_the_serving_command(
    runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"standby-{uuid.uuid4().hex}"
    standby = await runtime.standby(_server_spec(tmp_path, marker), standby_seconds=30)
    assert standby is not None
    first = await standby.request(b"0 one\n", wall_seconds=5.0, reply="one")
    assert first.exit_code is None
    task = asyncio.create_task(standby.request(b"60 two\n", wall_seconds=30, reply="two"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_gone, marker) == []
    await standby.close()  # idempotent after the kill
    assert _no_run_cgroups_left()
