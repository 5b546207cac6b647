"""The Runtime contract, checked on every backend with real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import textwrap
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import PYTHON, command_running, wait_gone, wait_until_present

from regoose_tui.runtime._process import CAPTURE_CHARS, MAX_LINE_CHARS
from regoose_tui.runtime.base import Limits, OutputSink, Runtime


def _sink() -> tuple[list[tuple[str, str]], OutputSink]:
    lines: list[tuple[str, str]] = []
    return lines, lambda stream, line: lines.append((stream, line))


async def test_lines_arrive_in_order_split_on_newlines(runtime: Runtime, make_spec) -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.stdout.write("one\\ntwo\\r\\n")
        sys.stdout.write("thr")
        sys.stdout.flush()
        sys.stdout.write("ee\\n\\nlast without newline")
        sys.stderr.write("err 1\\nerr 2\\n")
        """
    )
    lines, sink = _sink()
    result = await runtime.run(make_spec(code), sink)
    out = [line for stream, line in lines if stream == "stdout"]
    err = [line for stream, line in lines if stream == "stderr"]
    assert out == ["one", "two", "three", "", "last without newline"]
    assert err == ["err 1", "err 2"]
    assert result.exit_code == 0 and result.ok
    assert result.stdout == "one\ntwo\r\nthree\n\nlast without newline"
    assert result.stderr == "err 1\nerr 2\n"


async def test_output_streams_while_the_command_still_runs(runtime: Runtime, make_spec) -> None:
    # The command waits for a file the sink creates on the first line: it can
    # only finish if that line reached us while it was still running.
    code = textwrap.dedent(
        """
        import os, time
        print("ready", flush=True)
        deadline = time.time() + 10
        while not os.path.exists("go") and time.time() < deadline:
            time.sleep(0.01)
        print("released" if os.path.exists("go") else "never released")
        """
    )
    spec = make_spec(code)
    seen: list[str] = []

    def sink(stream: str, line: str) -> None:
        seen.append(line)
        if line == "ready":
            (spec.work_dir / "go").touch()

    result = await runtime.run(spec, sink)
    assert seen == ["ready", "released"]
    assert result.wall_seconds < 5


@pytest.mark.parametrize("code", [0, 3, 77])
async def test_exit_code_is_reported(runtime: Runtime, make_spec, code: int) -> None:
    result = await runtime.run(make_spec(f"import sys; sys.exit({code})"))
    assert result.exit_code == code
    assert result.ok is (code == 0)
    assert not result.timed_out and not result.killed


async def test_missing_program_is_exit_127_or_a_failure(runtime: Runtime, make_spec) -> None:
    lines, sink = _sink()
    result = await runtime.run(make_spec(argv=["/nonexistent/regoose-no-such-tool"]), sink)
    assert result.exit_code not in (0, None)
    assert "regoose-no-such-tool" in result.stderr
    assert any("regoose-no-such-tool" in line for _, line in lines)


def _spawner(marker: str) -> str:
    """A command that starts a grandchild carrying ``marker`` and then hangs."""
    return textwrap.dedent(
        f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{marker}"])
        print("spawned", flush=True)
        time.sleep(60)
        """
    )


async def test_timeout_kills_the_whole_group(runtime: Runtime, make_spec, no_leaks) -> None:
    marker = f"regoose-timeout-{uuid.uuid4().hex}"
    no_leaks.append(marker)
    lines, sink = _sink()
    result = await runtime.run(make_spec(_spawner(marker), limits=Limits(wall_seconds=1.5)), sink)
    assert result.timed_out and result.killed and not result.ok
    assert ("stdout", "spawned") in lines
    assert 1.4 < result.wall_seconds < 6
    assert wait_gone(marker) == []


async def test_cancellation_kills_and_reraises(runtime: Runtime, make_spec, no_leaks) -> None:
    marker = f"regoose-cancel-{uuid.uuid4().hex}"
    no_leaks.append(marker)
    spawned = asyncio.Event()

    def sink(stream: str, line: str) -> None:
        if line == "spawned":
            spawned.set()

    task = asyncio.create_task(runtime.run(make_spec(_spawner(marker)), sink))
    await asyncio.wait_for(spawned.wait(), 10)
    # The grandchild is really running before we cancel.
    assert await asyncio.to_thread(wait_until_present, marker)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_gone, marker) == []


async def test_background_children_do_not_outlive_a_normal_exit(
    runtime: Runtime, make_spec, no_leaks
) -> None:
    marker = f"regoose-orphan-{uuid.uuid4().hex}"
    no_leaks.append(marker)
    code = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print('bye')\n"
    )
    result = await runtime.run(make_spec(code))
    assert result.exit_code == 0 and not result.timed_out
    assert result.wall_seconds < 10
    assert wait_gone(marker) == []


async def test_memory_limit_stops_a_big_allocation(runtime: Runtime, make_spec) -> None:
    code = "b = bytearray(600 * 1024 * 1024); print('allocated', len(b))"
    limits = Limits(wall_seconds=30, memory_bytes=300 * 1024 * 1024)
    result = await runtime.run(make_spec(code, limits=limits))
    assert result.exit_code != 0
    assert "MemoryError" in result.stderr
    assert "allocated" not in result.stdout
    # The same allocation under the default limit works: the limit is what stopped it.
    fine = await runtime.run(make_spec(code))
    assert fine.exit_code == 0 and "allocated" in fine.stdout


async def test_file_size_and_open_file_limits(runtime: Runtime, make_spec) -> None:
    code = textwrap.dedent(
        """
        import resource
        print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], resource.getrlimit(resource.RLIMIT_FSIZE)[0])
        try:
            with open("big.bin", "wb") as f:
                f.write(b"x" * 200_000)
        except OSError as exc:
            print("fsize", exc.errno)
        """
    )
    limits = Limits(wall_seconds=30, nofile=64, file_size_bytes=100_000)
    result = await runtime.run(make_spec(code, limits=limits))
    assert result.stdout.splitlines() == ["64 100000", "fsize 27"]  # EFBIG


async def test_environment_is_scrubbed(
    runtime: Runtime, make_spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-regoose-test-secret")
    monkeypatch.setenv("REGOOSE_TEST_TOKEN", "tok-regoose-test-secret")
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    spec = make_spec(code, env={"EXTRA_FLAG": "on", "PYTHONPATH": "/opt/extra"})
    result = await runtime.run(spec)
    import json

    env = json.loads(result.stdout)
    assert "regoose-test-secret" not in result.stdout
    assert "OPENAI_API_KEY" not in env and "REGOOSE_TEST_TOKEN" not in env
    # bwrap: an empty private tmpfs; local: the work folder.
    assert env["HOME"] == ("/home/sandbox" if runtime.name == "bwrap" else str(spec.work_dir))
    assert env["PYTHONPATH"] == os.pathsep.join([str(spec.project_dir), "/opt/extra"])
    assert env["EXTRA_FLAG"] == "on"
    assert env["PYTHONHASHSEED"] == "0" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["LC_ALL"] == "C.UTF-8"
    allowed = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}
    allowed |= {"PYTHONHASHSEED", "PYTHONUNBUFFERED", "TMPDIR", "EXTRA_FLAG", "PWD"}
    assert set(env) <= allowed


async def test_cwd_is_the_work_dir_and_project_imports(runtime: Runtime, make_spec, dirs) -> None:
    project, work = dirs
    (project / "shop.py").write_text("PRICE = 42\n")
    result = await runtime.run(make_spec("import os, shop; print(os.getcwd(), shop.PRICE)"))
    assert result.stdout.split() == [str(work), "42"]


async def test_captured_output_keeps_the_tail(runtime: Runtime, make_spec) -> None:
    count = CAPTURE_CHARS // 10 + 50_000  # more lines of 10 chars than the cap holds
    code = f"import sys\nfor i in range({count}): sys.stdout.write(f'{{i:09d}}\\n')"
    seen = 0

    def sink(stream: str, line: str) -> None:
        nonlocal seen
        seen += 1

    result = await runtime.run(make_spec(code), sink)
    assert seen == count  # every line streamed
    assert result.stdout.endswith(f"{count - 1:09d}\n")  # the tail is kept
    assert result.stdout.startswith("[... ")  # and the cut is said
    assert len(result.stdout) < CAPTURE_CHARS + 100


async def test_a_failing_sink_does_not_stop_supervision(runtime: Runtime, make_spec) -> None:
    def sink(stream: str, line: str) -> None:
        raise RuntimeError("ui broke")

    result = await runtime.run(make_spec("print('a'); print('b')"), sink)
    assert result.exit_code == 0 and result.stdout == "a\nb\n"


def test_local_runtime_says_it_is_not_isolated() -> None:
    from regoose_tui.runtime.local import LocalRuntime

    assert LocalRuntime.availability().usable
    assert "NOT isolated" in LocalRuntime.availability().reason
    assert LocalRuntime().describe() == "local (NOT ISOLATED)"
    assert Path(PYTHON).exists()


async def test_cpu_limit_stops_a_busy_loop(runtime: Runtime, make_spec) -> None:
    limits = Limits(wall_seconds=20, cpu_seconds=1)
    result = await runtime.run(make_spec("while True: pass", limits=limits))
    # SIGXCPU: -N from a host process, 128+N as reported through bwrap.
    assert result.exit_code in (-signal.SIGXCPU, 128 + signal.SIGXCPU)
    assert not result.timed_out and result.wall_seconds < 10


async def test_a_huge_line_is_delivered_in_pieces(runtime: Runtime, make_spec) -> None:
    lines, sink = _sink()
    result = await runtime.run(make_spec("print('x' * 200_000, end='')"), sink)
    pieces = [line for _, line in lines]
    assert "".join(pieces) == "x" * 200_000
    assert max(map(len, pieces)) <= MAX_LINE_CHARS and len(pieces) >= 4
    assert len(result.stdout) == 200_000


_DRIVER = """
import asyncio, os, sys
from pathlib import Path
from regoose_tui.runtime.registry import get_runtime
from regoose_tui.runtime.base import RunSpec
spec = RunSpec(
    argv=[sys.executable, "-c", "import time; time.sleep(60)", os.environ["CHILD_MARKER"]],
    project_dir=Path(sys.argv[2]),
    work_dir=Path(sys.argv[3]),
)
asyncio.run(get_runtime(sys.argv[1]).run(spec))
"""


async def test_the_command_dies_with_regoose(runtime: Runtime, dirs, no_leaks) -> None:
    # Regoose killed with SIGKILL runs no cleanup: the kernel must end the command.
    marker = f"regoose-parent-{uuid.uuid4().hex}"
    no_leaks.append(marker)
    project, work = dirs
    # The marker goes through the environment so only the command's argv carries it.
    driver = await asyncio.create_subprocess_exec(
        PYTHON,
        "-c",
        _DRIVER,
        runtime.name,
        str(project),
        str(work),
        env={**os.environ, "CHILD_MARKER": marker},
    )
    try:
        assert await asyncio.to_thread(command_running, marker, 20)
    finally:
        driver.kill()
        await driver.wait()
    assert await asyncio.to_thread(wait_gone, marker) == []
