"""What any sandbox of the host may see: the interpreter's folders and what to hide.

Shared by bubblewrap and the container runtimes so both expose the same
allow-list and mask the same secrets: credential stores under a home folder,
every ``.env`` from the import root and the config root up, Regoose's own
store, and any unix socket inside a visible folder (a read-only bind does not
stop ``connect()``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from regoose_tui.runtime._allowlist import SandboxPolicy, find_sockets
from regoose_tui.runtime.base import RunSpec

#: Credential stores under a home folder that sandboxed code never needs.
HOME_SECRETS = (
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


@dataclass(frozen=True)
class Hidden:
    """One host path a sandbox must not see: covered by an empty folder or file."""

    path: Path
    kind: Literal["dir", "file"]


def empty_file() -> str:
    """An empty, read-only host file to mount over credential files and sockets.

    /dev/null would hide them too, but device nodes are not readable inside
    a user namespace, and code that reads an optional ``.env`` should see an
    empty file rather than a permission error.
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


def existing_secrets(homes: Iterable[Path]) -> list[Path]:
    """Credential paths that exist under the given home folders."""
    found: list[Path] = []
    for home in homes:
        for rel in HOME_SECRETS:
            path = home / rel
            if path.exists():
                found.append(path)
    return found


def python_paths(spec: RunSpec) -> list[Path]:
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
    if program.is_absolute() and not inside(program, spec.work_dir):
        paths += interpreter_site_paths(program)
    return paths


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` is ``root`` or below it (lexically, no link followed)."""
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return path == root or root in path.parents


def outermost(paths: Iterable[Path]) -> list[Path]:
    """Absolute, de-duplicated, without paths already inside another one."""
    unique = sorted(
        {Path(os.path.abspath(p)) for p in paths} - {Path("/")}, key=lambda p: len(p.parts)
    )
    kept: list[Path] = []
    for path in unique:
        if not any(parent in kept for parent in path.parents):
            kept.append(path)
    return kept


def hidden_paths(spec: RunSpec, roots: Sequence[Path], policy: SandboxPolicy) -> list[Hidden]:
    """Every secret and host socket visible in ``roots``, to cover with an empty thing.

    A secret is skipped only when the run explicitly asked to read it (the
    project, the work folder, a staged read-only path): a PYTHONPATH entry
    or an interpreter path cannot unmask anything.
    """
    asked = [spec.project_dir, spec.work_dir, *spec.read_only_paths]
    visible = list(roots)

    def shown(path: Path) -> bool:
        return any(inside(path, root) for root in visible)

    out: list[Hidden] = []
    homes = {Path(os.path.expanduser("~")), Path("/root")}
    for secret in existing_secrets(homes):
        if not shown(secret) or any(inside(p, secret) for p in asked):
            continue
        out.append(_hidden(secret))
    for secret in policy.secret_paths(spec.project_dir):
        if shown(secret):
            out.append(_hidden(secret))
    for sock in find_sockets([spec.project_dir, *policy.scan_roots()]):
        if shown(sock):
            out.append(Hidden(sock, "file"))
    return out


def _hidden(path: Path) -> Hidden:
    return Hidden(path, "dir" if path.is_dir() else "file")
