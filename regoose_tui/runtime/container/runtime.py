"""DockerRuntime and PodmanRuntime: each run an exec in a hardened, pooled container.

One run: plan the layout (``layout.plan``), lease a container of that
layout from the pool (warm, or started now), copy the inputs and the empty
work folder in, exec the command as the sandbox user with its own
environment and cwd while its output streams line by line, then copy the
work folder back out into the host's (capped, no-follow unpacking) and give
the container back (reset, or removed when anything went wrong). Past the
wall-clock limit, or when the awaiting task is cancelled, the container is
killed and removed (cancellation re-raises). A container killed from outside
ends the run with one clear line; the next run gets a fresh one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from regoose_tui.errors import SandboxError, SandboxUnavailable
from regoose_tui.runtime._allowlist import SandboxPolicy
from regoose_tui.runtime._spec import check_spec
from regoose_tui.runtime.base import Availability, Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.runtime.container import (
    endpoints,
    engine_info,
    exec_io,
    image,
    labels,
    lifecycle,
    staging,
)
from regoose_tui.runtime.container.client import client_for
from regoose_tui.runtime.container.defaults import DEFAULT_POOL_SIZE
from regoose_tui.runtime.container.endpoints import Endpoint, EngineKind
from regoose_tui.runtime.container.layout import Layout, plan
from regoose_tui.runtime.container.pool import ContainerPool, Lease
from regoose_tui.runtime.container.stream import LineStream
from regoose_tui.runtime.container.transfer import unpack_work_folder

if TYPE_CHECKING:
    import docker

_log = logging.getLogger(__name__)

#: After the command ended or was killed, how long its output may take to drain.
_DRAIN_SECONDS = 2.0
#: How long a container that may have died gets to show it.
_SETTLE_SECONDS = 1.0

_pools_lock = threading.Lock()
_pools: dict[tuple[str, str, int], ContainerPool] = {}
_cleaned: set[str] = set()


def _drain_on_sigterm() -> None:
    """Let SIGTERM end the process through SystemExit, so the exit drain runs.

    The default action kills the process at once, ``atexit`` never runs and
    every container stays up until the next Regoose start (CI cancelling a
    job, ``timeout``, ``kill``). Only from the main thread, and only when
    nobody installed a handler of their own; a second SIGTERM ends it at once.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_term(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)


def pool_for(client: docker.DockerClient, url: str, image_name: str, size: int) -> ContainerPool:
    """The process-wide pool of one engine, image and size (drained at exit)."""
    _drain_on_sigterm()
    with _pools_lock:
        key = (url, image_name, size)
        found = _pools.get(key)
        if found is None:
            found = _pools[key] = ContainerPool(client, image_name, size)
        return found


def drain_all() -> None:
    """Remove every pooled container of this process (blocking; also run at exit)."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        with contextlib.suppress(Exception):
            pool.drain_sync()


atexit.register(drain_all)


def _cleanup_once(client: docker.DockerClient, url: str) -> None:
    """Remove what dead Regoose processes left on this engine (once per process)."""
    with _pools_lock:
        if url in _cleaned:
            return
        _cleaned.add(url)
    try:
        gone = labels.remove_orphans(client)
        gone += lifecycle.remove_orphan_volumes(client)
    except Exception as exc:
        _log.debug("leftover cleanup on %s failed: %s", url, exc)
        return
    if gone:
        _log.info("removed %d leftover sandbox containers/volumes on %s", len(gone), url)


class ContainerRuntime(Runtime):
    """Shared by docker and podman: they differ only in how the engine is found."""

    kind: ClassVar[EngineKind] = "docker"
    isolated = True

    def __init__(
        self,
        limits: Limits | None = None,
        policy: SandboxPolicy | None = None,
        *,
        image_name: str = image.DEFAULT_IMAGE,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        super().__init__(limits)
        self.policy = policy or SandboxPolicy()
        self.image_name = image_name
        self.pool_size = pool_size
        #: Notes for the user that one run produced (an automatic image build).
        self.notes: list[str] = []
        self._image_ready = False

    @classmethod
    def availability(cls) -> Availability:
        """Usable when the engine's socket answers a ping (cached for a while)."""
        probe = endpoints.find(cls.kind)
        return Availability(probe.endpoint is not None, probe.reason)

    def endpoint(self) -> Endpoint:
        """The engine this runtime talks to, or SandboxUnavailable saying why not."""
        probe = endpoints.find(self.kind)
        if probe.endpoint is None:
            raise SandboxUnavailable(f"runtime {self.kind!r} is not usable: {probe.reason}")
        return probe.endpoint

    def client(self) -> docker.DockerClient:
        """The SDK client of the engine (blocking on first use: call it in a thread)."""
        endpoint = self.endpoint()
        made = client_for(endpoint.url)
        _cleanup_once(made, endpoint.url)
        return made

    def pool(self) -> ContainerPool:
        """This runtime's pool (shared with every runtime of the same engine and image)."""
        endpoint = self.endpoint()
        return pool_for(client_for(endpoint.url), endpoint.url, self.image_name, self.pool_size)

    def enforcement(self) -> str:
        """Whole-run limits hold through the container's own cgroup (when the engine can).

        Blocking on first use (one engine call): call it in a thread.
        """
        endpoint = self.endpoint()
        ignored = engine_info.limits_ignored(endpoint.url, endpoint.kind)
        if ignored:
            return f"memory and pids NOT capped per run ({ignored}); per-process ulimits only"
        return "memory and pids capped per run by the container's cgroup"

    def describe(self) -> str:
        """``docker`` / ``podman``, with the pool size."""
        return f"{self.name} (pool {self.pool_size})" if self.pool_size else self.name

    def _prepare(self) -> docker.DockerClient:
        made = self.client()
        if not self._image_ready:
            note = image.ensure(made, self.image_name)
            if note:
                self.notes.append(note)
                _log.warning("%s", note)
            endpoint = self.endpoint()
            if ignored := engine_info.limits_ignored(endpoint.url, endpoint.kind):
                self.notes.append(f"limits NOT enforced: {ignored}")
                _log.warning("limits NOT enforced on %s: %s", endpoint.url, ignored)
            self._image_ready = True
        return made

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` in a container (see the module docstring)."""
        check_spec(spec)
        endpoint = self.endpoint()
        limits = self.effective_limits(spec)
        spec = replace(spec, limits=limits)
        layout, inline, payload = await asyncio.to_thread(self._plan, spec, limits)
        pool = self.pool()
        for attempt in (1, 2):
            lease = await pool.acquire(layout, endpoint.url)
            reusable = False
            try:
                result, reusable = await self._run_in(lease, spec, (inline, payload), on_output)
                return result
            except _Stale:
                # A warm container that died while idle (killed from outside): take another.
                if attempt == 2:
                    raise SandboxError("the engine keeps losing sandbox containers") from None
            except asyncio.CancelledError:
                lifecycle.kill(lease.box)
                raise
            finally:
                # Shielded: a second cancellation must not leave the container behind.
                await asyncio.shield(pool.release(lease, reusable=reusable))
        raise AssertionError("unreachable")

    def _plan(self, spec: RunSpec, limits: Limits) -> tuple[Layout, list[str] | None, bytes | None]:
        """Client, image, layout and the inputs (inline, else for stdin), in one thread hop."""
        self._prepare()
        layout = plan(spec, limits, self.policy)
        inline = exec_io.inline_args(layout.payloads)
        payload = exec_io.stdin_payload(layout.payloads) if inline is None else None
        return layout, inline, payload

    async def _run_in(
        self,
        lease: Lease,
        spec: RunSpec,
        inputs: tuple[list[str] | None, bytes | None],
        on_output: OutputSink | None,
    ) -> tuple[RunResult, bool]:
        box, layout = lease.box, lease.layout
        inline, payload = inputs
        api = self.client().api
        stream = LineStream(asyncio.get_running_loop(), on_output, layout.limits.output_bytes)
        splitter = exec_io.ResultSplitter(cap=layout.limits.tmpfs_bytes)
        for note in self.notes:
            stream.note("stderr", f"[regoose: {note}]")
        self.notes.clear()
        try:
            inline = await asyncio.to_thread(staging.stage, api, lease, inline, payload)
        except Exception:
            if not await asyncio.to_thread(lifecycle.running, box):
                box.healthy = False
                raise _Stale() from None
            raise
        wipe = staging.writable_places(layout) if lease.pooled else []
        config = exec_io.config_arg(
            str(layout.work_dir), wipe, staging.mount_points(layout), prepare=False
        )
        command = [*staging.bootstrap_argv(config, inline), "--", *spec.argv]
        # The command's own time, as for a process: the container's set-up is not in it.
        started = time.monotonic()
        try:
            # One thread hop for both calls: each hop costs a little on a busy machine.
            exec_id, started_stream = await asyncio.to_thread(_exec, api, box.id, command, layout)
        except Exception:
            if not await asyncio.to_thread(lifecycle.running, box):
                box.healthy = False
                raise _Stale() from None
            raise
        # With stream=True and demux=True the SDK yields (stdout, stderr) pairs; its stubs say bytes.
        chunks = cast(Iterable[tuple[bytes | None, bytes | None]], started_stream)
        reader = asyncio.ensure_future(asyncio.to_thread(stream.pump, chunks, splitter))
        timed_out = False
        try:
            done, _ = await asyncio.wait({reader}, timeout=spec.limits.wall_seconds)
            if not done:
                timed_out = True
                await asyncio.to_thread(lifecycle.kill, box)
                await asyncio.wait({reader}, timeout=_DRAIN_SECONDS)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(lifecycle.kill, box))
            raise
        wall = time.monotonic() - started
        code, alive = await asyncio.to_thread(_outcome, api, exec_id, box)
        killed = timed_out
        reusable = alive and not timed_out and splitter.found and code == 0
        hit = ""
        if splitter.found:
            code, clean = splitter.status()
            hit = splitter.limits_hit()
            reusable = reusable and clean
            await asyncio.to_thread(_unpack, splitter, layout, stream)
        elif not timed_out:
            # No results: the bootstrap itself died. The OOM killer may have picked it (or
            # the container's first process); the engine records that on the container.
            hit = "memory" if await asyncio.to_thread(lifecycle.oom_killed, box) else ""
            if not alive and not hit:
                killed = True
                stream.note("stderr", "[regoose: the sandbox container was stopped from outside]")
                code = None
        if hit:
            stream.note("stderr", _limit_note(hit, layout.limits))
        if not reusable:
            box.healthy = False
        return (
            RunResult(
                exit_code=code,
                stdout=stream.text("stdout"),
                stderr=stream.text("stderr"),
                wall_seconds=wall,
                timed_out=timed_out,
                killed=killed,
                limit_hit=hit,
                output_cut=stream.budget.cut,
            ),
            reusable,
        )


def _limit_note(hit: str, limits: Limits) -> str:
    """One line saying which of the container's limits struck."""
    said = []
    if "memory" in hit:
        mib = limits.memory_bytes // 1024**2
        said.append(f"its memory limit ({mib} MiB): the kernel killed a process (OOM)")
    if "pids" in hit:
        said.append(f"its pids limit ({limits.nproc} processes): a fork was refused")
    return f"[regoose: the run hit {' and '.join(said)}]"


class _Stale(Exception):
    """The leased container is no longer running (before the command started)."""


def _exec(
    api: docker.APIClient, box_id: str, command: list[str], layout: Layout
) -> tuple[str, object]:
    """Create and start the run's exec: its id and the SDK's output iterator."""
    made = api.exec_create(box_id, command, environment=layout.env, workdir="/", user=layout.user)
    return made["Id"], api.exec_start(made["Id"], stream=True, demux=True)


def _outcome(api: docker.APIClient, exec_id: str, box: lifecycle.Box) -> tuple[int | None, bool]:
    """The command's exit code and whether the container is still up.

    A SIGKILLed command (exit 137) may be the container dying (killed from
    outside): the engine reports that a moment later, so look again briefly.
    """
    try:
        code = api.exec_inspect(exec_id).get("ExitCode")
    except Exception:
        code = None
    if code == 0:
        return code, True  # the bootstrap ended normally: the container was up (no reload)
    if code not in (None, 137):
        return code, lifecycle.running(box)
    deadline = time.monotonic() + _SETTLE_SECONDS
    while time.monotonic() < deadline:
        if not lifecycle.running(box):
            return code, False
        time.sleep(0.05)
    return code, True


def _unpack(splitter: exec_io.ResultSplitter, layout: Layout, stream: LineStream) -> None:
    """The work folder the bootstrap sent back, into the host's (empty, private) one."""
    if splitter.overflow:
        cap = layout.limits.tmpfs_bytes
        stream.note("stderr", f"[regoose: results not copied back: larger than {cap} bytes]")
        return
    try:
        dropped = unpack_work_folder(
            [bytes(splitter.results)], Path(layout.work_dir), layout.limits.tmpfs_bytes
        )
    except Exception as exc:  # TransferRefused, a cut or forged archive
        stream.note("stderr", f"[regoose: results not copied back: {exc}]")
        return
    if dropped:
        shown = ", ".join(dropped[:5])
        stream.note("stderr", f"[regoose: left in the sandbox (links or special files): {shown}]")


class DockerRuntime(ContainerRuntime):
    """Docker Engine through the docker SDK."""

    name = "docker"
    kind = "docker"
    strength = 80


class PodmanRuntime(ContainerRuntime):
    """Podman through its docker-compatible socket (``podman system service``)."""

    name = "podman"
    kind = "podman"
    strength = 70
