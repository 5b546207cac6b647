"""ShellTool with real processes: output, exit codes, timeouts and cancellation kill the group."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from regoose_tui.tools import ShellTool


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as dead)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


async def wait_dead(pids: list[int], within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(pid_alive(pid) for pid in pids):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_run_returns_exit_code_and_merged_output(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    shell = ShellTool(tmp_path)
    result = await shell.execute(
        "run",
        argv=[
            sys.executable,
            "-c",
            "import os,sys; print(os.getcwd()); print('err', file=sys.stderr); print(os.environ['GREETING'])",
        ],
        cwd="sub",
        env={"GREETING": "hello there"},
    )
    assert result.ok, result.error
    assert result.data()["exit_code"] == 0
    lines = result.data()["output"].splitlines()
    assert lines[0] == str(tmp_path / "sub")
    assert sorted(lines[1:]) == ["err", "hello there"]
    assert result.data()["timed_out"] is False and result.data()["truncated"] is False


async def test_nonzero_exit_is_a_failure_with_its_output(tmp_path: Path) -> None:
    result = await ShellTool(tmp_path).execute("run", argv=["sh", "-c", "echo broken; exit 3"])
    assert not result.ok
    assert result.error == "exited with code 3"
    assert result.data()["exit_code"] == 3 and result.data()["output"] == "broken\n"


async def test_argv_is_not_run_through_a_shell(tmp_path: Path) -> None:
    result = await ShellTool(tmp_path).execute("run", argv=["echo", "$HOME; rm -rf /"])
    assert result.data()["output"] == "$HOME; rm -rf /\n"


async def test_missing_program_and_bad_cwd_are_refused(tmp_path: Path) -> None:
    shell = ShellTool(tmp_path)
    missing = await shell.execute("run", argv=["definitely-not-a-program-xyz"])
    assert missing.error == "command not found: definitely-not-a-program-xyz"
    escaped = await shell.execute("run", argv=["ls"], cwd="../..")
    assert escaped.error == f"path '../..' is outside the tool root {tmp_path}"
    empty = await shell.execute("run", argv=[])
    assert empty.error is not None
    assert empty.error.startswith(
        "shell.run: bad arguments: argv: List should have at least 1 item"
    )
    negative = await shell.execute("run", argv=["ls"], timeout=-1)
    assert negative.error is not None
    assert "timeout: Input should be greater than 0" in negative.error


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    # The shell starts a background sleep (a grandchild) and prints its pid.
    script = "sleep 30 & echo $!; echo started; wait"
    started = time.monotonic()
    result = await ShellTool(tmp_path).execute("run", argv=["sh", "-c", script], timeout=0.5)
    elapsed = time.monotonic() - started

    assert not result.ok
    assert result.error == "timed out after 0.5s; process group killed"
    assert result.data()["timed_out"] is True
    assert result.data()["exit_code"] == -9
    assert elapsed < 3
    grandchild = int(result.data()["output"].split()[0])
    assert "started" in result.data()["output"]
    assert await wait_dead([grandchild])


async def test_cancelling_the_call_kills_the_process_group(tmp_path: Path) -> None:
    script = "echo $$ > pids; sleep 30 & echo $! >> pids; wait"
    task = asyncio.create_task(
        ShellTool(tmp_path).execute("run", argv=["sh", "-c", script], timeout=60)
    )
    pid_file = tmp_path / "pids"
    for _ in range(250):
        if pid_file.exists() and len(pid_file.read_text().split()) == 2:
            break
        await asyncio.sleep(0.02)
    pids = [int(p) for p in pid_file.read_text().split()]
    assert all(pid_alive(pid) for pid in pids)

    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Killing only the shell would leave sleep holding the pipe for 30 s.
    assert time.monotonic() - cancelled_at < 3
    assert await wait_dead(pids)


def _running_with_arg(arg: str) -> list[int]:
    """Pids of live processes whose command line holds ``arg``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if arg.encode() in argv and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


async def test_a_cancel_at_any_step_of_the_start_leaves_no_process(tmp_path: Path) -> None:
    """Cancelled while the tool is still setting up its pipe (the program already runs):
    the program is killed and reaped before the cancellation propagates."""
    tool = ShellTool(tmp_path)
    for steps in range(30):
        marker = f"30.{os.getpid()}{steps:02d}"  # a sleep argument no other process has
        task = asyncio.create_task(tool.execute("run", argv=["sleep", marker], timeout=60))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert _running_with_arg(marker) == [], f"left running after {steps} loop steps"


async def test_a_process_escaping_the_group_cannot_hang_the_tool(tmp_path: Path) -> None:
    # setsid moves sleep out of our process group while it keeps our stdout pipe open.
    script = "setsid sleep 5 & echo $!; exit 0"
    started = time.monotonic()
    result = await ShellTool(tmp_path).execute("run", argv=["sh", "-c", script], timeout=0.5)
    assert time.monotonic() - started < 3
    assert result.data()["timed_out"] is True
    escaped = int(result.data()["output"].strip())
    # It escaped on purpose; do not leave it behind.
    with contextlib.suppress(ProcessLookupError):
        os.kill(escaped, signal.SIGKILL)


async def test_background_leftovers_are_killed_after_a_normal_exit(tmp_path: Path) -> None:
    # The child detaches its output so the pipe closes, then the shell exits at once.
    script = "sleep 30 >/dev/null 2>&1 & echo $!"
    result = await ShellTool(tmp_path).execute("run", argv=["sh", "-c", script], timeout=10)
    assert result.ok
    assert await wait_dead([int(result.data()["output"].strip())])


async def test_long_output_keeps_head_and_tail_with_a_note(tmp_path: Path) -> None:
    code = "print('FIRST'); print('x' * 200000); print('LAST')"
    result = await ShellTool(tmp_path, max_output=1000).execute(
        "run", argv=[sys.executable, "-c", code]
    )
    assert result.ok
    text = result.data()["output"]
    assert result.data()["truncated"] is True
    assert text.startswith("FIRST\n") and text.endswith("LAST\n")
    assert "bytes of output omitted ...]" in text
    omitted = int(text.split("[... ")[1].split(" bytes")[0])
    assert omitted == len("FIRST\n") + 200001 + len("LAST\n") - 1000
    assert len(text) < 1100
