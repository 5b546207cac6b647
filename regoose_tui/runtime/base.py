"""The sandbox runtime interface: run one command, isolated, streaming output.

Backends (local, bwrap, docker, podman) implement ``Runtime``.
Agents and the offline engine only ever see this interface, so a test run, a
coverage probe and a user's ``regoose run`` go through the same hardening.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from regoose_tui.runtime._standby import Standby

StreamName = Literal["stdout", "stderr"]

#: Called once per output line (without its newline), in order, as it comes.
OutputSink = Callable[[StreamName, str], None]


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to every sandboxed command.

    ``memory_bytes`` and ``nproc`` cap the whole run through a cgroup where
    one can be made (see ``runtime.cgroup``), and each process through
    rlimits in any case. ``tmpfs_bytes`` caps each private tmpfs (/tmp,
    /dev/shm, $HOME) of a bwrap run; ``output_bytes`` is how much output a
    run may stream before the rest is cut (one "output cut" line says so).
    """

    wall_seconds: float = 120.0
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 600
    nproc: int = 1024
    nofile: int = 1024
    file_size_bytes: int = 256 * 1024**2
    cpus: float | None = None
    tmpfs_bytes: int = 256 * 1024**2
    output_bytes: int = 16 * 1024**2

    def capped_by(self, ceiling: Limits | None) -> Limits:
        """These limits, none looser than ``ceiling`` (the configured ones)."""
        if ceiling is None:
            return self
        cpus = [c for c in (self.cpus, ceiling.cpus) if c]
        return Limits(
            wall_seconds=min(self.wall_seconds, ceiling.wall_seconds),
            memory_bytes=min(self.memory_bytes, ceiling.memory_bytes),
            cpu_seconds=min(self.cpu_seconds, ceiling.cpu_seconds),
            nproc=min(self.nproc, ceiling.nproc),
            nofile=min(self.nofile, ceiling.nofile),
            file_size_bytes=min(self.file_size_bytes, ceiling.file_size_bytes),
            cpus=min(cpus) if cpus else None,
            tmpfs_bytes=min(self.tmpfs_bytes, ceiling.tmpfs_bytes),
            output_bytes=min(self.output_bytes, ceiling.output_bytes),
        )


@dataclass(frozen=True)
class RunSpec:
    """One command to run in the sandbox.

    ``project_dir`` is mounted read-only and put on PYTHONPATH (the import
    root). ``work_dir`` is the only writable host folder; it is the command's
    cwd. ``read_only_paths`` are extra host paths the command may read (the
    Python interpreter's prefix and the user's venv are always readable).
    """

    argv: Sequence[str]
    project_dir: Path
    work_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    read_only_paths: Sequence[Path] = ()
    label: str = ""
    #: (host file, file in the project): the command sees the first, read-only, in
    #: place of the second (the project's test file as it will be written, with new
    #: tests added). Only a backend with ``overlays_files`` runs such a spec.
    overlays: Sequence[tuple[Path, Path]] = ()


@dataclass(frozen=True)
class RunResult:
    """What a sandboxed command did."""

    exit_code: int | None
    stdout: str
    stderr: str
    wall_seconds: float
    timed_out: bool = False
    killed: bool = False
    #: Whole-run limits the kernel enforced ("memory", "pids", comma-joined).
    limit_hit: str = ""
    #: True when the output passed ``Limits.output_bytes`` and the rest was dropped.
    output_cut: bool = False

    @property
    def ok(self) -> bool:
        """True when the command exited 0 in time."""
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class Availability:
    """Whether a runtime is usable here, and why not when it is not."""

    usable: bool
    reason: str


class Runtime(abc.ABC):
    """A place to run untrusted test code.

    ``run`` must: apply ``spec.limits``; stream each line to ``on_output``
    as it arrives; kill everything it started when the wall-clock limit
    passes (``timed_out=True``) or when the awaiting task is cancelled
    (then re-raise ``CancelledError``); never block the event loop.
    """

    #: Registry name: "local", "bwrap", "docker", "podman".
    name: str = ""
    #: False only for backends that do not isolate (the UI says so).
    isolated: bool = True
    #: Higher is stronger; ``auto`` picks the strongest usable backend.
    strength: int = 0
    #: True when the backend can show a file in place of a project file
    #: (``RunSpec.overlays``); the others refuse a spec that asks for it.
    overlays_files: bool = False

    def __init__(self, limits: Limits | None = None) -> None:
        #: The configured ceiling (config [runtime], --timeout/--memory/--pids):
        #: every run's own limits are capped by it.
        self.limits = limits
        #: Which backend the registry picked and why (one line for the user).
        self.selection = ""

    def effective_limits(self, spec: RunSpec) -> Limits:
        """The limits one run gets: its own, none looser than the configured ones."""
        return spec.limits.capped_by(self.limits)

    @classmethod
    @abc.abstractmethod
    def availability(cls) -> Availability:
        """Probe this machine (cheaply, synchronously) for the backend."""

    @abc.abstractmethod
    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` in the sandbox and return what happened."""

    async def standby(self, spec: RunSpec, *, standby_seconds: float) -> Standby | None:
        """Start ``spec.argv`` now, reading its job from stdin later; None where unsupported.

        A backend that can stream a job into a started command (bwrap, local)
        returns a :class:`~regoose_tui.runtime._standby.Standby`: the same
        sandbox, limits and supervision as ``run``, with the wall clock
        started at the hand-over. The container backends return None: their
        callers fall back to one-shot ``run`` calls.
        """
        return None

    def describe(self) -> str:
        """One line for status bars and reports."""
        return self.name if self.isolated else f"{self.name} (NOT ISOLATED)"

    def enforcement(self) -> str:
        """One line: which whole-run limits hold here, and how (or that they do not)."""
        from regoose_tui.runtime import cgroup

        found = cgroup.support()
        if found.usable:
            return f"memory and pids capped per run by {found.reason}"
        return f"memory and pids NOT capped per run ({found.reason}); per-process rlimits only"
