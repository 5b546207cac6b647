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
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import platformdirs

from regoose_tui.errors import SandboxUnavailable
from regoose_tui.runtime._allowlist import SANDBOX_HOME, SandboxPolicy, find_sockets, system_binds
from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime._spec import check_spec
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

#: Credential stores under a home folder that sandboxed code never needs.
_HOME_SECRETS = (
    ".ssh",
    ".aws",
    ".azure",
    ".gnupg",
    ".kube",
    ".docker",
    ".config/gcloud",
    ".config/gh",
    ".config/hub",
    ".netrc",
    ".pypirc",
    ".git-credentials",
    ".npmrc",
)

_PROBE_TIMEOUT = 10.0


def find_bwrap() -> str | None:
    """The bwrap executable on PATH, if any."""
    return shutil.which("bwrap")


@functools.cache
def _probe(bwrap: str) -> Availability:
    """Start a trivial sandbox once per process and remember whether it worked."""
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


def _empty_file() -> str:
    """An empty, read-only host file to mount over credential files.

    /dev/null would hide them too, but device nodes are not readable inside
    the user namespace, and code that reads an optional ``.env`` should see
    an empty file rather than a permission error.
    """
    path = Path(platformdirs.user_cache_dir("regoose")) / "sandbox-empty-file"
    try:
        if not path.is_file() or path.stat().st_size:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            path.chmod(0o444)
        return str(path)
    except OSError:
        return "/dev/null"


def _existing_secrets(homes: Iterable[Path]) -> list[Path]:
    """Credential paths that exist under the given home folders."""
    found: list[Path] = []
    for home in homes:
        for rel in _HOME_SECRETS:
            path = home / rel
            if path.exists():
                found.append(path)
    return found


def _python_paths(spec: RunSpec) -> list[Path]:
    """Interpreter locations the command needs to read, even if they sit under /tmp.

    Regoose's own prefix, the active venv and, for an absolute ``argv[0]``,
    what ``resolve_python`` learned about it before the run. Nothing is
    started and no link is followed here: an ``argv[0]`` the sandbox could
    have planted (in the work folder, or anywhere not resolved beforehand)
    adds nothing, and is never run on the host.
    """
    from regoose_tui.runtime.python_env import interpreter_site_paths

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    if venv := os.environ.get("VIRTUAL_ENV"):
        paths.append(Path(venv))
    program = Path(spec.argv[0])
    if program.is_absolute() and not _inside(program, spec.work_dir):
        paths += interpreter_site_paths(program)
    return paths


def _inside(path: Path, root: Path) -> bool:
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return path == root or root in path.parents


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Absolute, de-duplicated, without paths already inside another one."""
    unique = sorted(
        {Path(os.path.abspath(p)) for p in paths} - {Path("/")}, key=lambda p: len(p.parts)
    )
    kept: list[Path] = []
    for path in unique:
        if not any(parent in kept for parent in path.parents):
            kept.append(path)
    return kept


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
    readable = _outermost([*_python_paths(spec), *spec.read_only_paths])
    for path in readable:
        argv += ["--ro-bind-try", str(path), str(path)]
    binds = [("--ro-bind", spec.project_dir), ("--bind", spec.work_dir)]
    binds.sort(key=lambda item: len(item[1].parts))
    for flag, path in binds:
        argv += [flag, str(path), str(path)]

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
    """Mount empty things over every secret and host socket visible in ``roots``.

    A secret is skipped only when the run explicitly asked to read it (the
    project, the work folder, a staged read-only path): a PYTHONPATH entry
    or an interpreter path cannot unmask anything.
    """
    asked = [spec.project_dir, spec.work_dir, *spec.read_only_paths]
    visible = list(roots)

    def shown(path: Path) -> bool:
        return any(_inside(path, root) for root in visible)

    out: list[str] = []
    homes = {Path(os.path.expanduser("~")), Path("/root")}
    for secret in _existing_secrets(homes):
        if not shown(secret) or any(_inside(p, secret) for p in asked):
            continue
        out += _mask(secret)
    for secret in policy.secret_paths(spec.project_dir):
        if shown(secret):
            out += _mask(secret)
    for sock in find_sockets([spec.project_dir, *policy.scan_roots()]):
        if shown(sock):
            out += ["--ro-bind", _empty_file(), str(sock)]
    return out


def _mask(path: Path) -> list[str]:
    if path.is_dir():
        return ["--tmpfs", str(path)]
    return ["--ro-bind", _empty_file(), str(path)]


class BwrapRuntime(Runtime):
    """Runs commands inside a bubblewrap sandbox (Linux namespaces)."""

    name = "bwrap"
    isolated = True
    strength = 50

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

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` in a fresh sandbox; the sandbox dies with the command."""
        check_spec(spec)
        available = self.availability()
        bwrap = find_bwrap()
        if not available.usable or bwrap is None:
            raise SandboxUnavailable(available.reason)
        # bwrap itself gets the limits too: rlimits are inherited through its
        # execs, so they bound everything inside the sandbox.
        limits = self.effective_limits(spec)
        spec = replace(spec, limits=limits)
        argv = await asyncio.to_thread(build_argv, bwrap, spec, self.policy)
        return await run_process(
            argv,
            cwd=spec.work_dir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            limits=limits,
            on_output=on_output,
        )
