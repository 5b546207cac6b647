"""The process plumbing every runtime shares.

A sandboxed command is one asyncio subprocess in its own session (so its
process group can be killed as a whole), with resource limits set between
fork and exec, a scrubbed environment, and both output streams pumped
concurrently: each line goes to the caller's sink as it arrives and the tail
of each stream is kept for the result.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ctypes
import functools
import logging
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.runtime import cgroup
from regoose_tui.runtime._spawn import kill_group, start_exec
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, StreamName

_log = logging.getLogger(__name__)

#: Bytes read from a pipe at a time.
_CHUNK = 64 * 1024
#: A "line" longer than this is emitted in pieces (a runaway print without newlines
#: must not grow one string without bound).
MAX_LINE_CHARS = 64 * 1024
#: How much of each stream the result keeps (the tail).
CAPTURE_CHARS = 2 * 1024 * 1024
#: After the main process ended or was killed, how long the pumps may take to drain
#: what is left in the pipes (a detached grandchild could hold them open forever).
_DRAIN_SECONDS = 2.0
#: How often the exit status is re-checked while a pipe is still held open.
_POLL_SECONDS = 0.1

#: The only host variables a sandboxed command inherits (values re-derived, not copied).
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def scrubbed_env(spec: RunSpec, *, path: str | None = None) -> dict[str, str]:
    """The whole environment of a sandboxed command.

    Nothing of the parent leaks but PATH: no ``*_API_KEY``, no tokens, no
    proxies. ``PYTHONPATH`` starts with the project (the import root); a
    ``PYTHONPATH`` given in ``spec.env`` is appended after it rather than
    replacing it. Every other ``spec.env`` entry wins over the defaults.
    """
    pythonpath = [str(spec.project_dir)]
    extra = spec.env.get("PYTHONPATH", "")
    pythonpath.extend(p for p in extra.split(os.pathsep) if p)
    env = {
        "PATH": path if path is not None else os.environ.get("PATH", _DEFAULT_PATH),
        "HOME": str(spec.work_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": "/tmp",
    }
    env.update({k: v for k, v in spec.env.items() if k != "PYTHONPATH"})
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(pythonpath))
    return env


def _capped(resource_id: int, soft: int, hard: int) -> tuple[int, int]:
    """Clamp a wanted limit to what this process may set (only root may raise a hard limit)."""
    _, current_hard = resource.getrlimit(resource_id)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    return soft, hard


@functools.cache
def _pdeathsig_setter() -> Callable[[], None]:
    """A function that makes the calling child die with SIGKILL when its parent dies.

    Linux ``prctl(PR_SET_PDEATHSIG)``: if Regoose itself is killed, the
    command does not live on. Loaded in the parent; a no-op where unavailable.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return lambda: None
    pr_set_pdeathsig = 1

    def apply() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    return apply


def child_setup(
    limits: Limits, join_cgroup: Callable[[], None] | None = None
) -> Callable[[], None]:
    """A ``preexec_fn`` that applies ``limits`` in the child before exec.

    The values are computed here, in the parent, so the child only makes
    ``setrlimit`` calls between fork and exec. CPU gets a soft limit
    (SIGXCPU) and a hard one a few seconds later (SIGKILL); core dumps are off;
    the child is tied to Regoose's life (parent-death signal) and, when a
    run cgroup exists, moves itself into it before anything else can fork.
    """
    cpu = max(1, int(limits.cpu_seconds))
    wanted = [
        (resource.RLIMIT_AS, int(limits.memory_bytes), int(limits.memory_bytes)),
        (resource.RLIMIT_CPU, cpu, cpu + 5),
        (resource.RLIMIT_NPROC, int(limits.nproc), int(limits.nproc)),
        (resource.RLIMIT_NOFILE, int(limits.nofile), int(limits.nofile)),
        (resource.RLIMIT_FSIZE, int(limits.file_size_bytes), int(limits.file_size_bytes)),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    plan = [(rid, _capped(rid, soft, hard)) for rid, soft, hard in wanted]
    tie_to_parent = _pdeathsig_setter()

    def apply() -> None:
        tie_to_parent()
        if join_cgroup is not None:
            join_cgroup()
        for rid, pair in plan:
            resource.setrlimit(rid, pair)

    return apply


class _TailBuffer:
    """Keeps the last ``cap`` characters written to it, and how many were dropped."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._parts: list[str] = []
        self._size = 0
        self.dropped = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size > 2 * self._cap:
            self._trim()

    def _trim(self) -> None:
        joined = "".join(self._parts)
        if len(joined) > self._cap:
            self.dropped += len(joined) - self._cap
            joined = joined[-self._cap :]
        self._parts = [joined]
        self._size = len(joined)

    def text(self) -> str:
        self._trim()
        body = "".join(self._parts)
        if self.dropped:
            return f"[... {self.dropped} earlier characters dropped ...]\n{body}"
        return body


@dataclass
class _Emitter:
    """Delivers lines to the caller's sink; a broken sink is logged once, never fatal."""

    sink: OutputSink | None
    broken: bool = False

    def __call__(self, stream: StreamName, line: str) -> None:
        if self.sink is None or self.broken:
            return
        try:
            self.sink(stream, line)
        except Exception:
            # The command must still be supervised (timeout, kill) even if the
            # UI side fails, so the sink is dropped instead of the run.
            self.broken = True
            _log.exception("output sink failed; further output is only captured")


@dataclass
class _OutputBudget:
    """Bytes of output one run may stream to the sink (both streams together)."""

    left: int
    cap: int
    cut: bool = False
    announced: bool = False

    def take(self, size: int) -> bool:
        """Spend ``size`` bytes; False once the budget is gone (the rest is dropped)."""
        if self.cut:
            return False
        self.left -= size
        if self.left < 0:
            self.cut = True
            return False
        return True

    def notice(self) -> str:
        mib = self.cap / 1024**2
        return f"[regoose: output cut at {mib:g} MB; the rest of this run's output was dropped]"


async def _pump(
    reader: asyncio.StreamReader,
    stream: StreamName,
    emit: _Emitter,
    tail: _TailBuffer,
    budget: _OutputBudget,
) -> None:
    """Split one pipe into lines as bytes arrive; the last line may lack a newline.

    Past the run's output budget the pipe is still drained (a blocked writer
    would hang the run) but nothing more reaches the sink or the tail.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while True:
        chunk = await reader.read(_CHUNK)
        if chunk and not budget.take(len(chunk)):
            if pending:
                emit(stream, pending)
                pending = ""
            if not budget.announced:
                budget.announced = True
                emit(stream, budget.notice())
                tail.write("\n" + budget.notice() + "\n")
            continue
        text = decoder.decode(chunk, final=not chunk)
        if text:
            tail.write(text)
            pending += text
            *lines, pending = pending.split("\n")
            for line in lines:
                emit(stream, line.removesuffix("\r"))
            while len(pending) > MAX_LINE_CHARS:
                emit(stream, pending[:MAX_LINE_CHARS])
                pending = pending[MAX_LINE_CHARS:]
        if not chunk:
            break
    if pending:
        emit(stream, pending.removesuffix("\r"))


async def _drain(pumps: Sequence[asyncio.Task[None]]) -> None:
    """Let the pumps read what is left, but never wait on a pipe held open forever."""
    _, still_open = await asyncio.wait(pumps, timeout=_DRAIN_SECONDS)
    for task in still_open:
        task.cancel()
    await asyncio.gather(*pumps, return_exceptions=True)


async def _exited(
    proc: asyncio.subprocess.Process, waiter: asyncio.Task[int], within: float
) -> bool:
    """Wait up to ``within`` seconds for ``proc`` to exit; True when it did.

    ``proc.wait()`` alone is not enough: since Python 3.12 it also waits for the
    pipes to close, which a detached grandchild can hold open. The exit status
    itself is polled as a fallback, so the exit is noticed either way.
    """
    deadline = time.monotonic() + within
    while proc.returncode is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.wait({waiter}, timeout=min(_POLL_SECONDS, remaining))
    return True


async def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    limits: Limits,
    on_output: OutputSink | None,
    use_cgroup: bool = True,
) -> RunResult:
    """Run ``argv`` in a new session with ``limits``; stream, time out, clean up.

    The command runs in a fresh cgroup capping memory and pids for its whole
    tree where one can be made (``runtime.cgroup``). When it ends, times out
    or the awaiting task is cancelled, its process group and its cgroup are
    SIGKILLed so no background child (a double-forked daemon included)
    outlives it, and the cgroup is removed; cancellation then re-raises
    ``CancelledError``.
    """
    started = time.monotonic()
    group = await asyncio.to_thread(_make_cgroup, limits) if use_cgroup else None
    try:
        return await _supervise(argv, cwd, env, limits, on_output, group, started)
    finally:
        if group is not None:
            # Shielded: a second cancellation must not leave the cgroup (and its tasks) behind.
            await asyncio.shield(asyncio.to_thread(group.remove))


def _make_cgroup(limits: Limits) -> cgroup.RunCgroup | None:
    return cgroup.create(limits.memory_bytes, limits.nproc, limits.cpus)


def _kill_all(pid: int, group: cgroup.RunCgroup | None) -> None:
    kill_group(pid)
    if group is not None:
        group.kill()


async def _supervise(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    limits: Limits,
    on_output: OutputSink | None,
    group: cgroup.RunCgroup | None,
    started: float,
) -> RunResult:
    emit = _Emitter(on_output)
    tails: dict[StreamName, _TailBuffer] = {
        "stdout": _TailBuffer(CAPTURE_CHARS),
        "stderr": _TailBuffer(CAPTURE_CHARS),
    }
    budget = _OutputBudget(left=limits.output_bytes, cap=limits.output_bytes)
    try:
        proc = await start_exec(
            argv,
            cwd=str(cwd),
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=child_setup(limits, group.join_fn() if group is not None else None),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        # Same shape as a shell's "command not found": callers handle one kind of failure.
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        message = f"cannot start {argv[0]!r}: {detail}"
        emit("stderr", message)
        return RunResult(
            exit_code=127,
            stdout="",
            stderr=message + "\n",
            wall_seconds=time.monotonic() - started,
        )
    assert proc.stdout is not None and proc.stderr is not None
    pumps = [
        asyncio.create_task(_pump(proc.stdout, "stdout", emit, tails["stdout"], budget)),
        asyncio.create_task(_pump(proc.stderr, "stderr", emit, tails["stderr"], budget)),
    ]
    waiter = asyncio.create_task(proc.wait())
    timed_out = False
    try:
        if not await _exited(proc, waiter, limits.wall_seconds):
            timed_out = True
            _kill_all(proc.pid, group)
            await _exited(proc, waiter, _DRAIN_SECONDS)
        # Reap background children the command left behind (its group and its cgroup).
        _kill_all(proc.pid, group)
        await _drain(pumps)
    except asyncio.CancelledError:
        _kill_all(proc.pid, group)
        for task in pumps:
            task.cancel()
        # Give the SIGKILLed process a moment to be reaped so no zombie is left.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(_exited(proc, waiter, _DRAIN_SECONDS))
        raise
    finally:
        waiter.cancel()
    return RunResult(
        exit_code=proc.returncode,
        stdout=tails["stdout"].text(),
        stderr=tails["stderr"].text(),
        wall_seconds=time.monotonic() - started,
        timed_out=timed_out,
        killed=timed_out,
        limit_hit=group.limits_hit() if group is not None else "",
        output_cut=budget.cut,
    )
