"""The bubblewrap runtime: unprivileged namespaces, no network, read-only host.

The host root is bound read-only (so the host Python and the user's venv
work unchanged), /tmp is a private tmpfs, the work folder is the only
writable host path, the project is explicitly read-only, every namespace is
unshared (network included), all capabilities are dropped and the
environment is rebuilt from scratch. Well-known credential files in the home
folder and the project's ``.env`` are masked.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from regoose_tui.errors import SandboxUnavailable
from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime._spec import check_spec
from regoose_tui.runtime.base import Availability, OutputSink, RunResult, RunSpec, Runtime

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
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
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
    return Availability(True, f"bubblewrap at {bwrap}: no network, read-only root, caps dropped")


@functools.cache
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

    Regoose's own prefix, the active venv, an absolute ``argv[0]`` and its
    real location, and every PYTHONPATH entry given in the spec.
    """
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    if venv := os.environ.get("VIRTUAL_ENV"):
        paths.append(Path(venv))
    program = Path(spec.argv[0])
    if program.is_absolute():
        # parent.parent: a venv root holds pyvenv.cfg, which the interpreter needs.
        paths += [program.parent.parent, program.resolve().parent.parent]
        if program.name.startswith("python"):
            # Its import path too (.pth additions may sit under the tmpfs /tmp). The
            # probe is cached: resolve_python already ran it for this interpreter.
            from regoose_tui.runtime.python_env import interpreter_site_paths

            paths += interpreter_site_paths(program)
    extra = spec.env.get("PYTHONPATH", "")
    paths += [Path(p) for p in extra.split(os.pathsep) if p]
    return paths


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


def build_argv(bwrap: str, spec: RunSpec) -> list[str]:
    """The full bwrap command line for ``spec`` (pure: no process started)."""
    argv = [bwrap, "--ro-bind", "/", "/", "--remount-ro", "/"]
    argv += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]

    # Re-expose what the command must read (things under /tmp were hidden by the
    # tmpfs), then the project read-only and the work folder read-write; the
    # deeper of those two is bound last so the innermost rule applies.
    for path in _outermost([*_python_paths(spec), *spec.read_only_paths]):
        argv += ["--ro-bind-try", str(path), str(path)]
    binds = [("--ro-bind", spec.project_dir), ("--bind", spec.work_dir)]
    binds.sort(key=lambda item: len(item[1].parts))
    for flag, path in binds:
        argv += [flag, str(path), str(path)]

    # Mask credentials last, so no bind above re-exposes them, unless the
    # caller explicitly asked to read something inside one.
    wanted = [spec.project_dir, spec.work_dir, *spec.read_only_paths, *_python_paths(spec)]
    homes = {Path(os.path.expanduser("~")), Path("/root")}
    for secret in _existing_secrets(homes):
        if any(p == secret or secret in p.parents for p in wanted):
            continue
        if secret.is_dir():
            argv += ["--tmpfs", str(secret)]
        else:
            argv += ["--ro-bind", _empty_file(), str(secret)]
    dotenv = spec.project_dir / ".env"
    if dotenv.is_file():
        argv += ["--ro-bind", _empty_file(), str(dotenv)]

    argv += [*_ISOLATION_FLAGS, "--chdir", str(spec.work_dir), "--clearenv"]
    for key, value in scrubbed_env(spec).items():
        argv += ["--setenv", key, value]
    argv += ["--", *spec.argv]
    return argv


class BwrapRuntime(Runtime):
    """Runs commands inside a bubblewrap sandbox (Linux namespaces)."""

    name = "bwrap"
    isolated = True
    strength = 50

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
        return await run_process(
            build_argv(bwrap, spec),
            cwd=spec.work_dir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            limits=spec.limits,
            on_output=on_output,
        )
