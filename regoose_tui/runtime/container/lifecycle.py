"""Creating, resetting and removing one sandbox container (blocking SDK calls).

A container runs a tiny reaper as its first process (the sandbox user's
Python, so zombies never pile up against the pids limit) and every command
is an ``exec`` in it (``exec_io``: that exec also resets it for reuse). Its writable places are size-capped tmpfs volumes
(labelled like the container, removed with it). Hardening, all at creation:
no network, every capability dropped, no-new-privileges, read-only root,
memory with swap equal to it, pids, CPU, nofile/nproc/fsize/core ulimits,
an unprivileged user.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from regoose_tui.errors import SandboxError
from regoose_tui.runtime.container import labels
from regoose_tui.runtime.container.layout import Layout

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

_log = logging.getLogger(__name__)

#: The first process of every container: reaps orphans, exits on SIGTERM.
_REAPER = """
import os, signal
def reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
signal.signal(signal.SIGCHLD, reap)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    signal.pause()
"""


def sandbox_python() -> str:
    """The interpreter the reaper and the reset run with (Regoose's own, resolved)."""
    return os.path.realpath(sys.executable)


@dataclass
class Box:
    """One started sandbox container and the volumes it owns."""

    container: Container
    volumes: list[str]
    key: str
    #: False once it timed out, was killed or failed a reset: never reused.
    healthy: bool = True
    uses: int = 0

    @property
    def id(self) -> str:
        """The engine's container id."""
        return str(self.container.id)


def _volume(client: docker.DockerClient, layout: Layout, target: str, role: str) -> str:
    """A tmpfs volume capped at the run's tmpfs size, owned by the sandbox user."""
    pages = max(256, layout.limits.tmpfs_bytes // 4096)
    mode = "0700" if target == str(layout.work_dir) else "1777"
    options = f"nr_blocks={pages},uid={layout.uid},gid={layout.gid},mode={mode}"
    volume = client.volumes.create(
        name=f"regoose-{uuid.uuid4().hex[:12]}",
        driver="local",
        driver_opts={"type": "tmpfs", "device": "tmpfs", "o": options},
        labels=labels.labels(role),
    )
    return str(volume.name)


def create(client: docker.DockerClient, layout: Layout, image: str, key: str, role: str) -> Box:
    """Create and start a container for ``layout`` (volumes included)."""
    import docker
    from docker.types import Mount, Ulimit

    limits = layout.limits
    volumes: list[str] = []
    try:
        mounts = [Mount(b.target, b.source, type="bind", read_only=True) for b in layout.binds]
        for target in layout.scratch:
            name = _volume(client, layout, target, role)
            volumes.append(name)
            mounts.append(Mount(target, name, type="volume"))
        for target in layout.tmpfs:
            mounts.append(
                Mount(target, None, type="tmpfs", tmpfs_size=limits.tmpfs_bytes, tmpfs_mode=0o1777)
            )
        cpu = max(1, int(limits.cpu_seconds))
        ulimits = [
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="nproc", soft=limits.nproc, hard=limits.nproc),
            Ulimit(name="fsize", soft=limits.file_size_bytes, hard=limits.file_size_bytes),
            Ulimit(name="cpu", soft=cpu, hard=cpu + 5),
            Ulimit(name="core", soft=0, hard=0),
        ]
        container = client.containers.create(
            image,
            [sandbox_python(), "-I", "-S", "-c", _REAPER],
            user=layout.user,
            working_dir="/",
            environment={"PATH": layout.env.get("PATH", "/usr/bin:/bin")},
            network_mode="none",
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mounts=mounts,
            ulimits=ulimits,
            mem_limit=limits.memory_bytes,
            memswap_limit=limits.memory_bytes,
            pids_limit=limits.nproc,
            nano_cpus=int(limits.cpus * 1e9) if limits.cpus else None,
            shm_size=limits.tmpfs_bytes,
            ipc_mode="private",
            labels=labels.labels(role, **{labels.POOL_KEY: key}),
            detach=True,
        )
    except docker.errors.APIError as exc:
        _remove_volumes(client, volumes)
        raise SandboxError(f"the engine refused the sandbox container: {_why(exc)}") from None
    box = Box(container, volumes, key)
    try:
        container.start()
    except docker.errors.APIError as exc:
        remove(client, box)
        raise SandboxError(f"the sandbox container did not start: {_why(exc)}") from None
    return box


def kill(box: Box) -> None:
    """SIGKILL every process of the container (gone already is fine)."""
    box.healthy = False
    with contextlib.suppress(Exception):
        box.container.kill()


def remove(client: docker.DockerClient, box: Box) -> None:
    """Remove the container and its volumes, whatever state they are in."""
    box.healthy = False
    with contextlib.suppress(Exception):
        box.container.remove(force=True, v=True)
    _remove_volumes(client, box.volumes)


def _remove_volumes(client: docker.DockerClient, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(Exception):
            client.api.remove_volume(name, force=True)


def running(box: Box) -> bool:
    """True while the container is up (a kill from outside makes it False)."""
    try:
        box.container.reload()
    except Exception:
        return False
    return bool(box.container.status == "running")


def oom_killed(box: Box) -> bool:
    """True when the engine saw the kernel's OOM killer strike in this container."""
    try:
        box.container.reload()
    except Exception:
        return False
    state = box.container.attrs.get("State") or {}
    return bool(state.get("OOMKilled"))


def remove_orphan_volumes(client: docker.DockerClient) -> list[str]:
    """Remove Regoose volumes whose owner is dead (not in use by a live container)."""
    removed: list[str] = []
    for volume in client.volumes.list(filters={"label": labels.OWNER}):
        token = (volume.attrs.get("Labels") or {}).get(labels.OWNER, "")
        if labels.owner_alive(token):
            continue
        with contextlib.suppress(Exception):
            volume.remove(force=True)
            removed.append(str(volume.name))
    return removed


def _why(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc).strip()
