"""The bubblewrap runtime: unprivileged namespaces, no network, an allow-list of the host.

The sandbox sees an empty read-only root with only what a run needs bound
into it (``_allowlist``): the system folders, a few /etc files, the
interpreter's prefix, venv and import path, the run's read-only inputs, the
project read-only and the work folder read-write. /tmp, /dev/shm and $HOME
are private, size-capped tmpfs mounts; every namespace is unshared (network
included), all capabilities are dropped and the environment is rebuilt
from scratch. Credentials, every ``.env`` from the import root and the
config root up, Regoose's own store and any unix socket in the project are
masked when they would otherwise be visible. The whole run sits in a
cgroup capping memory and pids (``runtime.cgroup``) where one can be made.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from regoose_tui.errors import SandboxUnavailable
from regoose_tui.runtime._allowlist import SANDBOX_HOME, SandboxPolicy, system_binds
from regoose_tui.runtime._exposure import empty_file, hidden_paths, outermost, python_paths
from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime._spec import check_spec
from regoose_tui.runtime._standby import Standby, start_standby
from regoose_tui.runtime.base import (
    Availability,
    Limits,
    OutputSink,
    RunResult,
    RunSpec,
    Runtime,
)

#: Namespace and privilege flags shared by the availability probe and real runs.
_ISOLATION_FLAGS = (
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
)

_PROBE_TIMEOUT = 10.0


def find_bwrap() -> str | None:
    """The bwrap executable on PATH, if any."""
    return shutil.which("bwrap")


#: The trial's answer per bwrap path, for this process (``_probe``).
_trials: dict[str, Availability] = {}
#: One trial at a time: a caller that comes while one runs waits for its answer.
_trial_lock = threading.Lock()


def _probe(bwrap: str) -> Availability:
    """Start a trivial sandbox once per process and remember whether it worked."""
    with _trial_lock:
        if bwrap not in _trials:
            _trials[bwrap] = _trial(bwrap)
        return _trials[bwrap]


def start_trial() -> threading.Thread | None:
    """Run the trial sandbox now, in a background thread, if it has not run yet.

    A command that will run under bwrap calls this as soon as it knows so: the
    trial (~40 ms, mostly waiting for bwrap) then runs beside the rest of the
    start-up, and the runtime's first ``availability()`` finds its answer (or
    waits for the trial still running) instead of starting one of its own.
    """
    bwrap = find_bwrap()
    if bwrap is None or bwrap in _trials:
        return None
    thread = threading.Thread(target=_probe, args=(bwrap,), name="bwrap-trial", daemon=True)
    thread.start()
    return thread


def _trial(bwrap: str) -> Availability:
    """Start a trivial sandbox and say whether it worked (and why not)."""
    true = shutil.which("true") or "/bin/true"
    argv = [bwrap, *system_binds(), "--dev", "/dev", "--proc", "/proc"]
    argv += ["--size", str(1024**2), "--tmpfs", "/tmp", "--remount-ro", "/"]
    argv += [*_ISOLATION_FLAGS, true]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Availability(False, f"bubblewrap could not start a sandbox: {exc}")
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        hint = ""
        if "namespace" in detail.lower() or "permission" in detail.lower():
            hint = " (user namespaces look disabled: kernel.unprivileged_userns_clone / AppArmor)"
        return Availability(False, f"bubblewrap cannot create a sandbox: {detail}{hint}")
    return Availability(
        True, f"bubblewrap at {bwrap}: no network, host allow-list only, caps dropped"
    )


def build_argv(bwrap: str, spec: RunSpec, policy: SandboxPolicy | None = None) -> list[str]:
    """The full bwrap command line for ``spec`` (pure: no process started).

    An allow-list, never the host root: the system folders and the few /etc
    files Python needs, the interpreter's folders, the run's read-only
    inputs, the project read-only and the work folder read-write, over an
    empty read-only root. Secrets inside any of those are masked last.
    """
    policy = policy or SandboxPolicy()
    limits = spec.limits
    argv = [bwrap, *system_binds()]
    size = ["--size", str(max(1024**2, int(limits.tmpfs_bytes)))]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    argv += [*size, "--tmpfs", "/tmp", *size, "--tmpfs", "/dev/shm", *size, "--tmpfs", SANDBOX_HOME]

    # The interpreter's folders and the staged inputs (some may sit under /tmp,
    # which the tmpfs hid), then the project read-only and the work folder
    # read-write; the deeper of those two is bound last so the innermost rule applies.
    readable = outermost([*python_paths(spec), *spec.read_only_paths])
    for path in readable:
        argv += ["--ro-bind-try", str(path), str(path)]
    binds = [("--ro-bind", spec.project_dir), ("--bind", spec.work_dir)]
    binds.sort(key=lambda item: len(item[1].parts))
    for flag, path in binds:
        argv += [flag, str(path), str(path)]
    # A file seen in place of a project file (the test file as it will be written):
    # bound after the project, so it lies over it; read-only like the project.
    for source, target in spec.overlays:
        argv += ["--ro-bind", str(source), str(target)]

    roots = [*readable, spec.project_dir, spec.work_dir]
    argv += _masks(spec, roots, policy)
    # The root itself (bwrap's own tmpfs, holding only mount points) read-only.
    argv += ["--remount-ro", "/"]
    argv += [*_ISOLATION_FLAGS, "--chdir", str(spec.work_dir), "--clearenv"]
    env = scrubbed_env(spec)
    if "HOME" not in spec.env:
        env["HOME"] = SANDBOX_HOME
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv += ["--", *spec.argv]
    return argv


def _masks(spec: RunSpec, roots: Sequence[Path], policy: SandboxPolicy) -> list[str]:
    """Mount empty things over every secret and host socket visible in ``roots``."""
    out: list[str] = []
    for hidden in hidden_paths(spec, roots, policy):
        if hidden.kind == "dir":
            out += ["--tmpfs", str(hidden.path)]
        else:
            out += ["--ro-bind", empty_file(), str(hidden.path)]
    return out


class BwrapRuntime(Runtime):
    """Runs commands inside a bubblewrap sandbox (Linux namespaces)."""

    name = "bwrap"
    isolated = True
    strength = 50
    overlays_files = True

    def __init__(self, limits: Limits | None = None, policy: SandboxPolicy | None = None) -> None:
        super().__init__(limits)
        self.policy = policy or SandboxPolicy()

    @classmethod
    def availability(cls) -> Availability:
        """Usable when bwrap is on PATH and a trial sandbox starts (probed once)."""
        bwrap = find_bwrap()
        if bwrap is None:
            return Availability(False, "bubblewrap is not installed (no `bwrap` on PATH)")
        return _probe(bwrap)

    async def _argv(self, spec: RunSpec) -> tuple[list[str], Limits]:
        check_spec(spec, overlays=True)
        available = self.availability()
        bwrap = find_bwrap()
        if not available.usable or bwrap is None:
            raise SandboxUnavailable(available.reason)
        # bwrap itself gets the limits too: rlimits are inherited through its
        # execs, so they bound everything inside the sandbox.
        limits = self.effective_limits(spec)
        spec = replace(spec, limits=limits)
        return await asyncio.to_thread(build_argv, bwrap, spec, self.policy), limits

    async def standby(self, spec: RunSpec, *, standby_seconds: float) -> Standby | None:
        """Start a fresh sandbox now; its command reads its job from stdin (see ``Standby``)."""
        argv, limits = await self._argv(spec)
        return await start_standby(
            argv,
            cwd=spec.work_dir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            limits=limits,
            standby_seconds=standby_seconds,
        )

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` in a fresh sandbox; the sandbox dies with the command."""
        argv, limits = await self._argv(spec)
        return await run_process(
            argv,
            cwd=spec.work_dir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            limits=limits,
            on_output=on_output,
        )
