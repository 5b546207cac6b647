"""A sandboxed command started ahead of time that waits for its input on stdin.

Starting a sandbox and an interpreter (and importing pytest and coverage.py
in it) costs a fixed time no job needs to wait for: a ``Standby`` is that
start, done early, while the host still has other work. The command reads
its job from stdin; :meth:`Standby.run` hands it over, closes stdin and only
then starts the run's wall clock, so the job gets exactly the time a
one-shot run would. One standby serves one job: each job still gets a fresh
sandbox (its own tmpfs, cwd and cgroup), as a one-shot run does.

The supervision is ``_process``'s: one process group and one cgroup per
standby, output pumped line by line and capped, everything SIGKILLed when
the run ends, times out, its awaiting task is cancelled, or the standby is
closed unused (or waited past ``standby_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from regoose_tui.errors import SandboxError
from regoose_tui.runtime import cgroup
from regoose_tui.runtime._process import (
    CAPTURE_CHARS,
    _drain,
    _Emitter,
    _exited,
    _kill_all,
    _make_cgroup,
    _OutputBudget,
    _pump,
    _TailBuffer,
    child_setup,
    start_exec,
)
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, StreamName

#: After a standby's process exited or was killed, how long its pumps may drain.
_DRAIN_SECONDS = 2.0


class Standby:
    """One started command waiting for its job; see the module docstring.

    Made by :func:`start_standby` (through ``Runtime.standby``), used once:
    ``run`` or ``close``, never both in parallel.
    """

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        group: cgroup.RunCgroup | None,
        limits: Limits,
        standby_seconds: float,
    ) -> None:
        self._proc = proc
        self._group = group
        self._limits = limits
        self._started = time.monotonic()
        self._emit = _Emitter(None)
        self._tails: dict[StreamName, _TailBuffer] = {
            "stdout": _TailBuffer(CAPTURE_CHARS),
            "stderr": _TailBuffer(CAPTURE_CHARS),
        }
        self._budget = _OutputBudget(left=limits.output_bytes, cap=limits.output_bytes)
        assert proc.stdout is not None and proc.stderr is not None
        self._pumps = [
            asyncio.create_task(
                _pump(proc.stdout, "stdout", self._emit, self._tails["stdout"], self._budget)
            ),
            asyncio.create_task(
                _pump(proc.stderr, "stderr", self._emit, self._tails["stderr"], self._budget)
            ),
        ]
        self._waiter = asyncio.create_task(proc.wait())
        # Nobody handed a job over in time: the standby must not wait forever.
        self._expiry = asyncio.get_running_loop().call_later(
            max(0.1, standby_seconds), self._expire
        )
        self._used = False
        self._closed = False
        #: Serving requests one after another (:meth:`request`), and busy with one now.
        self._serving = False
        self._busy = False

    @property
    def pid(self) -> int:
        """The started process (the leader of its process group)."""
        return self._proc.pid

    @property
    def waiting(self) -> bool:
        """True while the command still runs and no job was handed over."""
        return not self._used and not self._closed and self._proc.returncode is None

    @property
    def serving(self) -> bool:
        """True while the command serves requests (:meth:`request`) and is still alive."""
        return self._serving and not self._closed and self._proc.returncode is None

    def _expire(self) -> None:
        if not self._used or (self._serving and not self._busy):
            _kill_all(self._proc.pid, self._group)

    async def run(
        self, job: bytes, *, wall_seconds: float, on_output: OutputSink | None = None
    ) -> RunResult:
        """Hand ``job`` over on stdin and supervise the command to its end.

        The wall clock starts now. A command that died while it waited (or was
        closed) still yields its result: the caller sees its exit code and output.
        """
        if self._used or self._closed:
            raise SandboxError("a standby run serves one job only")
        self._used = True
        self._expiry.cancel()
        started = time.monotonic()
        self._emit.sink = on_output
        proc = self._proc
        timed_out = False
        try:
            await self._feed(job)
            wall = min(wall_seconds, self._limits.wall_seconds)
            timed_out = not await _exited(proc, self._waiter, max(0.1, wall))
            await self._reap(timed_out)
        except asyncio.CancelledError:
            await self._cancelled()
            raise
        return await self._ended(started, timed_out)

    async def request(self, payload: bytes, *, wall_seconds: float, reply: str) -> RunResult:
        """Hand one request of several over on stdin (left open) and wait for its reply.

        For a command that serves requests one after another (the probe worker,
        synth/probe_worker.py). The request's wall clock starts now; it ends when a
        stdout line equals ``reply`` (the command waits for the next request: the
        result's ``exit_code`` is None), when the command exits, or at
        ``wall_seconds``, when it is killed (``timed_out``). After any end but the
        reply the command is gone: nothing more can be requested. A cancel kills it.
        """
        if self._closed or (self._used and not self._serving):
            raise SandboxError("this standby serves no more requests")
        self._used = self._serving = self._busy = True
        started = time.monotonic()
        replied = asyncio.Event()

        def watch(stream: StreamName, line: str) -> None:
            if stream == "stdout" and line == reply:
                replied.set()

        self._emit.sink = watch
        proc = self._proc
        timed_out = False
        try:
            stdin = proc.stdin
            if stdin is not None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    stdin.write(payload)
                    await stdin.drain()
            wall = min(wall_seconds, self._limits.wall_seconds)
            seen = asyncio.ensure_future(replied.wait())
            try:
                deadline = started + max(0.1, wall)
                while not replied.is_set() and proc.returncode is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        timed_out = True
                        break
                    await asyncio.wait({seen, self._waiter}, timeout=min(0.1, left))
            finally:
                seen.cancel()
            if replied.is_set() and proc.returncode is None:
                self._busy = False
                return RunResult(
                    exit_code=None,
                    stdout="",
                    stderr="",
                    wall_seconds=time.monotonic() - started,
                )
            await self._reap(timed_out)
        except asyncio.CancelledError:
            await self._cancelled()
            raise
        finally:
            self._busy = False
        return await self._ended(started, timed_out)

    async def _reap(self, timed_out: bool) -> None:
        """Kill a command past its wall clock, then what it left behind (its group and
        its cgroup), and read its output to the end."""
        if timed_out:
            _kill_all(self._proc.pid, self._group)
            await _exited(self._proc, self._waiter, _DRAIN_SECONDS)
        _kill_all(self._proc.pid, self._group)
        await _drain(self._pumps)

    async def _cancelled(self) -> None:
        """Kill the command and release everything (after a cancel or a close)."""
        # Once released, the expiry's kill would aim at a process group that may be reused.
        self._expiry.cancel()
        _kill_all(self._proc.pid, self._group)
        for task in self._pumps:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(_exited(self._proc, self._waiter, _DRAIN_SECONDS))
        await asyncio.shield(self._release())

    async def _ended(self, started: float, timed_out: bool) -> RunResult:
        """The result of a command that has ended (released first)."""
        limit_hit = self._group.limits_hit() if self._group is not None else ""
        await self._release()
        return RunResult(
            exit_code=self._proc.returncode,
            stdout=self._tails["stdout"].text(),
            stderr=self._tails["stderr"].text(),
            wall_seconds=time.monotonic() - started,
            timed_out=timed_out,
            killed=timed_out,
            limit_hit=limit_hit,
            output_cut=self._budget.cut,
        )

    async def _feed(self, job: bytes) -> None:
        stdin = self._proc.stdin
        if stdin is None:
            return
        # A command that died (or closed stdin) while waiting: its exit says why.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.write(job)
            await stdin.drain()
        stdin.close()

    async def close(self) -> None:
        """Kill an unused (or finished) standby and everything it started; idempotent."""
        if self._closed:
            return
        await self._cancelled()

    async def _release(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._waiter.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._group is not None:
            await asyncio.to_thread(self._group.remove)


async def start_standby(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    limits: Limits,
    standby_seconds: float,
    use_cgroup: bool = True,
) -> Standby:
    """Start ``argv`` like ``run_process`` does, with stdin a pipe for its job.

    Raises ``SandboxError`` when the command cannot be started at all.
    """
    group = await asyncio.to_thread(_make_cgroup, limits) if use_cgroup else None
    try:
        proc = await start_exec(
            argv,
            cwd=str(cwd),
            env=dict(env),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=child_setup(limits, group.join_fn() if group is not None else None),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        if group is not None:
            await asyncio.to_thread(group.remove)
        raise SandboxError(f"cannot start {argv[0]!r}: {exc}") from exc
    except BaseException:
        if group is not None:
            await asyncio.shield(asyncio.to_thread(group.remove))
        raise
    return Standby(proc, group, limits, standby_seconds)
