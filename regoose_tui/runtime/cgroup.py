"""One cgroup per sandboxed run: memory and pids capped for the whole process tree.

rlimits are per process (RLIMIT_AS) or per user and ignored for root
(RLIMIT_NPROC), so they cannot stop a fork bomb or a tree of processes that
each stay under the limit. A cgroup can: every process the command starts
stays in it, the kernel counts them together, and the whole tree can be
killed at the end (daemons that double-forked included).

Two mechanisms, probed once per process:

- cgroup v2: a child of Regoose's own cgroup, which must already delegate the
  ``memory`` and ``pids`` controllers (``cgroup.subtree_control``), as
  ``systemd-run --user --scope -p Delegate=yes`` or a container runtime sets
  up. ``memory.max``, ``memory.swap.max``, ``pids.max``; killed with
  ``cgroup.kill``.
- cgroup v1: a child of Regoose's own cgroup in the ``memory`` and ``pids``
  hierarchies (and ``freezer`` and ``cpu`` when mounted):
  ``memory.limit_in_bytes`` (+ ``memory.memsw.limit_in_bytes`` where swap
  accounting exists), ``pids.max``; killed by freezing, SIGKILLing every
  task and thawing, so nothing can fork while it is being killed.

The child joins before it execs the command: the parent computes the
``cgroup.procs`` paths, and the ``preexec_fn`` writes the child's own pid
into them (``join_fn``), so there is no window in which an early fork escapes.
Where neither mechanism works, :func:`support` says why, plainly.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Folder name prefix of the cgroups Regoose creates (tests look for leftovers by it).
PREFIX = "regoose-run-"
#: How long removal waits for killed tasks to leave the cgroup.
_REMOVE_SECONDS = 5.0
_CPU_PERIOD_US = 100_000

Kind = Literal["v2", "v1", "none"]


@dataclass(frozen=True)
class CgroupSupport:
    """Which cgroup mechanism can cap a run here, and where (or why none)."""

    kind: Kind
    reason: str
    #: v2: the delegated parent folder. v1: controller name -> parent folder.
    parents: dict[str, Path] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """True when runs get a memory and pids cgroup."""
        return self.kind != "none"


def _own_paths(text: str) -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def _probe_v2(own: dict[str, str], root: Path) -> CgroupSupport | None:
    """A delegated v2 subtree with memory and pids, if Regoose lives in one."""
    mount = root if (root / "cgroup.controllers").is_file() else root / "unified"
    if "" not in own or not (mount / "cgroup.controllers").is_file():
        return None
    parent = mount / own[""].lstrip("/")
    try:
        delegated = set((parent / "cgroup.subtree_control").read_text().split())
    except OSError:
        return None
    if not {"memory", "pids"} <= delegated or not _writable_dir(parent):
        return None
    return CgroupSupport("v2", f"cgroup v2 under {parent} (memory, pids)", {"": parent})


def _probe_v1(own: dict[str, str], root: Path) -> CgroupSupport | None:
    """Writable v1 memory and pids hierarchies (freezer and cpu used when present)."""
    parents: dict[str, Path] = {}
    for name in ("memory", "pids", "freezer", "cpu"):
        mount = root / name
        if name not in own or not (mount / "cgroup.procs").is_file():
            continue
        parent = mount / own[name].lstrip("/")
        if _writable_dir(parent):
            parents[name] = parent
    if not {"memory", "pids"} <= parents.keys():
        return None
    extra = [n for n in ("freezer", "cpu") if n in parents]
    what = ", ".join(["memory", "pids", *extra])
    return CgroupSupport("v1", f"cgroup v1 ({what}) under {parents['memory']}", parents)


def probe(root: Path = CGROUP_ROOT, self_cgroup: Path = Path("/proc/self/cgroup")) -> CgroupSupport:
    """Find the mechanism that works here (uncached: :func:`support` caches it)."""
    try:
        own = _own_paths(self_cgroup.read_text())
    except OSError as exc:
        return CgroupSupport("none", f"no cgroups readable ({exc.strerror or exc})")
    for found in (_probe_v2(own, root), _probe_v1(own, root)):
        if found is not None:
            return found
    return CgroupSupport(
        "none",
        "no writable cgroup with memory and pids controllers (v2 needs a delegated "
        "subtree, e.g. `systemd-run --user --scope -p Delegate=yes regoose ...`)",
    )


@functools.cache
def support() -> CgroupSupport:
    """The mechanism for this process's runs, probed once."""
    return probe()


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


@dataclass
class RunCgroup:
    """The cgroup(s) of one run: join before exec, kill and remove after."""

    kind: Kind
    folders: dict[str, Path]

    @property
    def procs_files(self) -> list[str]:
        """Where a joining process writes its pid."""
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    def join_fn(self) -> Callable[[], None]:
        """A callable for the child, between fork and exec: move itself in.

        Only ``os`` calls, with paths computed here in the parent. A failed
        write raises, so the command never runs outside its cgroup.
        """
        targets = [p.encode() for p in self.procs_files]

        def join() -> None:
            pid = str(os.getpid()).encode()
            for target in targets:
                fd = os.open(target, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)

        return join

    def _tasks(self) -> list[int]:
        pids: set[int] = set()
        for folder in self.folders.values():
            with contextlib.suppress(OSError):
                text = (folder / "cgroup.procs").read_text()
                pids.update(int(p) for p in text.split())
        return sorted(pids)

    def kill(self) -> None:
        """SIGKILL every process in the run's cgroup, forks in flight included."""
        if self.kind == "v2":
            if _write(self.folders[""] / "cgroup.kill", "1"):
                return
        freezer = self.folders.get("freezer")
        frozen = freezer is not None and _write(freezer / "freezer.state", "FROZEN")
        for _ in range(10):  # without a freezer, new forks may appear: sweep again
            tasks = self._tasks()
            if not tasks:
                break
            for pid in tasks:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if frozen:
                break
        if frozen and freezer is not None:
            _write(freezer / "freezer.state", "THAWED")  # SIGKILL lands on thaw

    def limits_hit(self) -> str:
        """What hit a limit (for the run's result): "memory", "pids", both or ""."""
        hits: list[str] = []
        if self.kind == "v2":
            folder = self.folders[""]
            hits += _counter_hit(folder / "memory.events", "oom_kill", "memory")
            hits += _counter_hit(folder / "pids.events", "max", "pids")
        else:
            if "memory" in self.folders:
                hits += _counter_hit(
                    self.folders["memory"] / "memory.oom_control", "oom_kill", "memory"
                )
            if "pids" in self.folders:
                hits += _counter_hit(self.folders["pids"] / "pids.events", "max", "pids")
        return ",".join(hits)

    def remove(self) -> None:
        """Kill what is left and delete the folders (waits for the tasks to go).

        A folder whose killed tasks have not left within ``_REMOVE_SECONDS`` (a
        loaded machine, a task stuck in the kernel) is not forgotten: the next
        :func:`create` of this process, and its exit, remove it once it is empty.
        """
        deadline = time.monotonic() + _REMOVE_SECONDS
        self.kill()
        while self._tasks() and time.monotonic() < deadline:
            time.sleep(0.02)
            self.kill()
        for folder in self.folders.values():
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        with _ABANDONED_LOCK:
                            _ABANDONED.add(folder)
                        break
                    time.sleep(0.02)


#: Run cgroup folders of this process that :meth:`RunCgroup.remove` could not delete yet.
_ABANDONED: set[Path] = set()
_ABANDONED_LOCK = threading.Lock()


def _remove_abandoned() -> None:
    """Delete the abandoned folders that are empty now (rmdir refuses the others)."""
    with _ABANDONED_LOCK:
        for folder in list(_ABANDONED):
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            _ABANDONED.discard(folder)


atexit.register(_remove_abandoned)


def _counter_hit(path: Path, key: str, label: str) -> list[str]:
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key and int(value) > 0:
                return [label]
    return []


def create(
    memory_bytes: int, pids: int, cpus: float | None = None, found: CgroupSupport | None = None
) -> RunCgroup | None:
    """A fresh cgroup capping memory and pids (and cpu where possible), or None.

    None means no mechanism works here (``support().reason`` says why) or the
    folders could not be made; the caller then runs with rlimits only.
    """
    found = found or support()
    if not found.usable:
        return None
    _sweep(found)
    # The creator's pid in the name tells a dead Regoose's leftover from a live session's.
    name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    folders: dict[str, Path] = {}
    try:
        for controller, parent in found.parents.items():
            folder = parent / name
            folder.mkdir()
            folders[controller] = folder
        group = RunCgroup(found.kind, folders)
        _apply(group, memory_bytes, pids, cpus)
    except OSError:
        RunCgroup(found.kind, folders).remove()
        return None
    return group


def _apply(group: RunCgroup, memory_bytes: int, pids: int, cpus: float | None) -> None:
    """Write the limits; a limit that does not take raises OSError (no pretending)."""
    memory, tasks = str(int(memory_bytes)), str(int(pids))
    if group.kind == "v2":
        folder = group.folders[""]
        (folder / "memory.max").write_text(memory)
        with contextlib.suppress(OSError):  # absent without swap accounting
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(tasks)
        if cpus and (folder / "cpu.max").exists():
            with contextlib.suppress(OSError):
                (folder / "cpu.max").write_text(f"{int(cpus * _CPU_PERIOD_US)} {_CPU_PERIOD_US}")
        return
    mem = group.folders["memory"]
    (mem / "memory.limit_in_bytes").write_text(memory)
    memsw = mem / "memory.memsw.limit_in_bytes"
    if memsw.exists():
        memsw.write_text(memory)  # memory + swap: no escaping the cap into swap
    (group.folders["pids"] / "pids.max").write_text(tasks)
    cpu = group.folders.get("cpu")
    if cpus and cpu is not None:
        with contextlib.suppress(OSError):
            (cpu / "cpu.cfs_period_us").write_text(str(_CPU_PERIOD_US))
            (cpu / "cpu.cfs_quota_us").write_text(str(int(cpus * _CPU_PERIOD_US)))


#: A run cgroup older than this with no task left belongs to a Regoose that died.
_STALE_SECONDS = 60.0


def _sweep(found: CgroupSupport) -> None:
    """Remove empty run cgroups a SIGKILLed Regoose could not clean up.

    rmdir refuses a cgroup that still has tasks, so a live run elsewhere is
    never touched; one whose creator still runs is kept even when empty (it
    may not be joined yet), and a name without a pid only once it is stale.
    """
    _remove_abandoned()
    now = time.time()
    for path in leftovers(found):
        with contextlib.suppress(OSError):
            # A dead creator's cgroup goes at once; one of unknown origin only when stale.
            dead = creator_pid(path) is not None and not _alive(creator_pid(path))
            stale = now - path.stat().st_mtime > _STALE_SECONDS
            if (dead or stale) and not (path / "cgroup.procs").read_text().strip():
                path.rmdir()


def leftovers(found: CgroupSupport | None = None) -> list[Path]:
    """Run cgroups of this process's parents that still exist (tests assert none)."""
    found = found or support()
    return [p for parent in found.parents.values() for p in parent.glob(PREFIX + "*")]


def creator_pid(path: Path) -> int | None:
    """The pid of the Regoose that made a run cgroup (None for an unknown name)."""
    head = path.name.removeprefix(PREFIX).split("-", 1)[0]
    return int(head) if head.isdigit() else None


def orphaned(found: CgroupSupport | None = None) -> list[Path]:
    """Run cgroups whose creator is known and gone: what a finished Regoose left behind.

    A name without a pid (an older Regoose's) says nothing of its creator: the
    sweep removes those once they are stale.
    """
    return [p for p in leftovers(found) if (pid := creator_pid(p)) is not None and not _alive(pid)]


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
