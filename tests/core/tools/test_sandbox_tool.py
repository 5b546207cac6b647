"""SandboxTool ("container") over the real LocalRuntime: results, streaming, timeout, cancel."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

import pytest

from regoose_tui.runtime.base import Limits
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.tools import SandboxTool
from regoose_tui.tools.sandbox import SandboxRunArgs


def pid_alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    work = tmp_path / "work"
    project.mkdir()
    work.mkdir()
    (project / "shop.py").write_text("def price():\n    return 42\n")
    return project, work


async def test_run_imports_the_project_and_streams_lines(folders: tuple[Path, Path]) -> None:
    project, work = folders
    lines: list[tuple[str, str]] = []
    tool = SandboxTool(
        LocalRuntime(), project, work, on_output=lambda s, line: lines.append((s, line))
    )
    code = "import os, sys, shop; print(shop.price()); print(os.getcwd()); print('warn', file=sys.stderr)"
    result = await tool.execute("run", argv=[sys.executable, "-c", code], label="probe")

    assert result.ok, result.error
    out = result.data()
    assert out["exit_code"] == 0
    assert out["stdout"].splitlines() == ["42", str(work)]
    assert out["stderr"] == "warn\n"
    assert out["runtime"] == "local (NOT ISOLATED)"
    assert ("stdout", "42") in lines and ("stderr", "warn") in lines


async def test_failed_command_reports_exit_code(folders: tuple[Path, Path]) -> None:
    tool = SandboxTool(LocalRuntime(), *folders)
    result = await tool.execute("run", argv=[sys.executable, "-c", "raise SystemExit(4)"])
    assert not result.ok
    assert result.error == "exited with code 4"
    assert result.data()["exit_code"] == 4


async def test_timeout_is_the_wall_clock_limit_and_kills(folders: tuple[Path, Path]) -> None:
    tool = SandboxTool(LocalRuntime(), *folders)
    started = time.monotonic()
    result = await tool.execute("run", argv=["sleep", "30"], timeout=0.5)
    assert time.monotonic() - started < 5
    assert not result.ok
    assert result.data()["timed_out"] is True
    assert result.error == "timed out after 0.5s and was killed"


async def test_cancelling_the_call_reaches_the_runtime(folders: tuple[Path, Path]) -> None:
    project, work = folders
    tool = SandboxTool(LocalRuntime(), project, work)
    # Found by a unique argv from the host: the local runtime runs commands in
    # their own pid namespace, so the command's own $$ is not a host pid.
    seconds = f"{30 + uuid.uuid4().int % 10_000 / 10_000:.4f}"
    task = asyncio.create_task(
        tool.execute("run", argv=["sh", "-c", f"exec sleep {seconds}"], timeout=60)
    )
    pids: list[int] = []
    for _ in range(250):
        if pids := _host_pids(["sleep", seconds]):
            break
        await asyncio.sleep(0.02)
    (pid,) = pids
    assert pid_alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(150):
        if not pid_alive(pid):
            break
        await asyncio.sleep(0.02)
    assert not pid_alive(pid)


def _host_pids(argv: list[str]) -> list[int]:
    wanted = "\0".join(argv).encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes() == wanted:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_runtime_refusal_becomes_a_failed_result(tmp_path: Path) -> None:
    tool = SandboxTool(LocalRuntime(), tmp_path, tmp_path / "missing")
    result = await tool.execute("run", argv=["true"])
    assert not result.ok
    assert result.error == f"work folder does not exist: {tmp_path / 'missing'}"


async def test_long_output_is_truncated_with_a_note(folders: tuple[Path, Path]) -> None:
    tool = SandboxTool(LocalRuntime(), *folders, max_output=100)
    code = "print('BEGIN'); print('y' * 5000); print('END')"
    result = await tool.execute("run", argv=[sys.executable, "-c", code])
    stdout = result.data()["stdout"]
    assert result.data()["truncated"] is True
    assert stdout.startswith("BEGIN") and stdout.rstrip().endswith("END")
    assert "characters of output omitted" in stdout


def test_spec_uses_the_call_timeout_and_the_session_folders(folders: tuple[Path, Path]) -> None:
    project, work = folders
    tool = SandboxTool(LocalRuntime(), project, work, limits=Limits(wall_seconds=99, nproc=64))
    spec = tool.spec_for(
        SandboxRunArgs(argv=["pytest", "-q"], timeout=7, env={"A": "1"}, label="run")
    )
    assert spec.argv == ("pytest", "-q")
    assert (spec.project_dir, spec.work_dir) == (project, work)
    assert spec.limits.wall_seconds == 7 and spec.limits.nproc == 64
    assert dict(spec.env) == {"A": "1"} and spec.label == "run"
    assert tool.spec_for(SandboxRunArgs(argv=["x"])).limits.wall_seconds == 99
