"""ShellTool: run a program (an argv list, never through a shell) with a timeout.

The program gets its own process group, so on timeout or cancellation the
whole group (the program and anything it spawned) is killed, and the tool
waits for it before returning. Output is stdout and stderr merged, bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from regoose_tui.errors import InputError
from regoose_tui.tools.base import Publish, Tool, ToolArgs, ToolResult
from regoose_tui.tools.output import DEFAULT_MAX_OUTPUT, BoundedCapture
from regoose_tui.tools.paths import checked_root, resolve_inside

DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0
#: How long to keep reading output after the program ended.
READ_GRACE_SECONDS = 1.0


class RunArgs(ToolArgs):
    """Run a program (argv list, no shell) in a folder under the root; stdout and stderr merged."""

    argv: list[str] = Field(min_length=1, description="Program and arguments, e.g. ['ls', '-l'].")
    cwd: str = Field(".", description="Working folder relative to the root.")
    timeout: float = Field(
        DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT, description="Seconds before the program is killed."
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Variables added to the inherited environment."
    )


def kill_process_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the process group led by ``proc`` (it was started in its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class ShellTool(Tool):
    """Programs run on this machine, NOT isolated: use the container tool for test code."""

    name: ClassVar[str] = "shell"
    description: ClassVar[str] = "Run a program on the host with a timeout (not sandboxed)."
    operations: ClassVar[dict[str, type[ToolArgs]]] = {"run": RunArgs}

    def __init__(
        self,
        root: Path | str,
        *,
        max_output: int = DEFAULT_MAX_OUTPUT,
        publish: Publish | None = None,
        session_id: str | None = None,
    ) -> None:
        super().__init__(publish=publish, session_id=session_id)
        self.root = checked_root(root)
        self.max_output = max_output

    async def op_run(self, args: RunArgs) -> ToolResult:
        cwd = await asyncio.to_thread(resolve_inside, self.root, args.cwd)
        if not cwd.is_dir():
            raise InputError(f"cwd '{args.cwd}' is not a folder")
        started = time.monotonic()
        # Our own pipe, not PIPE: asyncio's proc.wait() would also wait for its pipes,
        # which a process escaping the group (setsid) could hold open for ever.
        read_fd, write_fd = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                *args.argv,
                cwd=cwd,
                env={**os.environ, **args.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=write_fd,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError:
            os.close(read_fd)
            return ToolResult.failure(f"command not found: {args.argv[0]}")
        except PermissionError:
            os.close(read_fd)
            return ToolResult.failure(f"permission denied: {args.argv[0]}")
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)

        capture = BoundedCapture(self.max_output)
        stream = asyncio.StreamReader()
        try:
            transport, _ = await asyncio.get_running_loop().connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb", buffering=0)
            )
        except BaseException:
            # Cancelled before the main try below (the program already runs, and under
            # load may already have done its first step): it must not outlive us.
            kill_process_group(proc)
            await asyncio.shield(proc.wait())
            raise
        reader = asyncio.create_task(capture.drain(stream))
        timed_out = False
        try:
            try:
                async with asyncio.timeout(args.timeout):
                    # The end of output too: a child may still be writing to the pipe.
                    await asyncio.gather(proc.wait(), asyncio.shield(reader))
            except TimeoutError:
                timed_out = True
        finally:
            # Always: on timeout, on cancellation, and for leftovers of a finished program.
            kill_process_group(proc)
            try:
                await self._settle(proc, reader)
            finally:
                transport.close()

        return self._result(args, proc.returncode, capture, timed_out, time.monotonic() - started)

    @staticmethod
    async def _settle(proc: asyncio.subprocess.Process, reader: asyncio.Task[None]) -> None:
        """Reap the killed group and finish reading what is left, bounded in time."""
        waiter = asyncio.ensure_future(proc.wait())
        pending: set[asyncio.Future[Any]] = {waiter, reader}
        try:
            _, pending = await asyncio.wait(pending, timeout=READ_GRACE_SECONDS)
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    @staticmethod
    def _result(
        args: RunArgs,
        exit_code: int | None,
        capture: BoundedCapture,
        timed_out: bool,
        wall: float,
    ) -> ToolResult:
        output: dict[str, Any] = {
            "exit_code": exit_code,
            "output": capture.text(),
            "timed_out": timed_out,
            "truncated": capture.truncated,
            "wall_seconds": round(wall, 3),
        }
        if timed_out:
            error = f"timed out after {args.timeout:g}s; process group killed"
            return ToolResult.failure(error, output)
        if exit_code == 0:
            return ToolResult.success(output)
        if exit_code is not None and exit_code < 0:
            return ToolResult.failure(f"killed by signal {-exit_code}", output)
        return ToolResult.failure(f"exited with code {exit_code}", output)

    def summarize(self, operation: str, result: ToolResult) -> str:
        if isinstance(result.output, dict):
            return f"exit {result.output.get('exit_code')}" + (
                "" if result.ok else f": {result.error}"
            )
        return super().summarize(operation, result)
