"""What one container run sees: mounts, scratch volumes, copied inputs, user, limits.

Pure planning from a ``RunSpec`` (blocking file checks only; run it in a
thread). The allow-list is bubblewrap's: system folders and harmless /etc
files, the interpreter's folders, the project, all read-only; secrets and
host sockets inside them covered by empty things. What differs:

- Writable places are *scratch volumes*: size-capped tmpfs volumes at /tmp,
  at the host's temp folder and, when the work folder lies elsewhere, at
  the work folder itself. Nothing writable is shared with the host: the
  run's inputs under those folders are copied in (``transfer.Packer``) and
  its work folder is copied back out through capped, no-follow unpacking.
  A warm container is reused because nothing run-specific is mounted.
- The sandbox user is the host user, or ``nobody`` (65534) when Regoose runs
  as root, so no file a run creates is root's.

``Layout.key`` names everything fixed at container creation: two runs with
the same key can share a warm container.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from regoose_tui.errors import SandboxError
from regoose_tui.runtime._allowlist import (
    SANDBOX_HOME,
    SandboxPolicy,
    container_system_paths,
    identity_files_for,
)
from regoose_tui.runtime._exposure import (
    empty_file,
    hidden_paths,
    inside,
    outermost,
    python_paths,
)
from regoose_tui.runtime._process import scrubbed_env
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.container.transfer import Packer, TransferRefused

#: The uid a root Regoose runs sandboxed code as ("nobody").
NOBODY = 65534
#: Inputs larger than this are mounted read-only instead of copied in.
COPY_LIMIT = 32 * 1024**2
#: System folders a temp folder must never cover.
_SYSTEM_ROOTS = ("/", "/usr", "/etc", "/bin", "/lib", "/home")


@dataclass(frozen=True)
class Bind:
    """A host path mounted read-only at the same path."""

    source: str
    target: str


@dataclass(frozen=True)
class Layout:
    """Everything one container run is made of (see the module docstring)."""

    uid: int
    gid: int
    binds: tuple[Bind, ...]
    #: Container folders backed by a size-capped tmpfs volume each.
    scratch: tuple[str, ...]
    #: Plain tmpfs mounts (the empty $HOME).
    tmpfs: tuple[str, ...]
    work_dir: Path
    env: dict[str, str]
    limits: Limits
    #: Per scratch folder, the tar of inputs and work folder to extract there.
    payloads: dict[str, bytes] = field(default_factory=dict)
    #: A read-only mount lies below a scratch folder: the engine made its parent
    #: folders as root, so the inputs are unpacked by root (no capabilities) first.
    root_prepare: bool = False

    @property
    def user(self) -> str:
        """``uid:gid`` as the engine takes it."""
        return f"{self.uid}:{self.gid}"

    def key(self, image: str, engine_url: str) -> str:
        """A digest of what is fixed when the container is created."""
        limits = self.limits
        fixed = {
            "image": image,
            "engine": engine_url,
            "user": self.user,
            "binds": [(b.source, b.target) for b in self.binds],
            "scratch": list(self.scratch),
            "tmpfs": list(self.tmpfs),
            "limits": [
                limits.memory_bytes,
                limits.nproc,
                limits.nofile,
                limits.cpus,
                limits.tmpfs_bytes,
                limits.file_size_bytes,
                limits.cpu_seconds,
            ],
        }
        return hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:20]


def sandbox_ids() -> tuple[int, int]:
    """The uid and gid sandboxed code runs as."""
    uid = os.getuid()
    return (NOBODY, NOBODY) if uid == 0 else (uid, os.getgid())


def scratch_roots(work_dir: Path) -> list[str]:
    """/tmp, the host's temp folder, and the work folder when it lies outside both."""
    roots = ["/tmp"]
    host_tmp = os.path.abspath(tempfile.gettempdir())
    if host_tmp not in _SYSTEM_ROOTS:
        roots.append(host_tmp)
    roots = [str(p) for p in outermost(Path(r) for r in roots)]
    if not any(inside(work_dir, Path(r)) for r in roots):
        roots.append(str(work_dir))
    return roots


def plan(spec: RunSpec, limits: Limits, policy: SandboxPolicy) -> Layout:
    """The layout of ``spec`` (blocking: reads the inputs to copy in)."""
    uid, gid = sandbox_ids()
    work = Path(os.path.abspath(spec.work_dir))
    scratch = scratch_roots(work)
    interpreter = [Path(p) for p in python_paths(spec)]
    staged = [Path(os.path.abspath(p)) for p in spec.read_only_paths]
    project = Path(os.path.abspath(spec.project_dir))

    def under_scratch(path: Path) -> bool:
        return any(inside(path, Path(root)) for root in scratch)

    fixed = outermost([*interpreter, *(p for p in staged if not under_scratch(p))])
    # A project (or a mounted input) that holds the temp folder or the work folder (a
    # project under /tmp with TMPDIR inside it, as pytest's tmp_path makes): its
    # read-only mount lies over the /tmp volume there, so those get volumes of their own
    # on top of it. The temp folder first: a work folder below it is then writable too,
    # and the pool key stays the same from run to run.
    for place in (Path(os.path.abspath(tempfile.gettempdir())), work):
        if str(place) not in _SYSTEM_ROOTS and _lands_read_only(place, scratch, [*fixed, project]):
            scratch.append(str(place))
    copies = [
        p
        for p in outermost(p for p in staged if under_scratch(p))
        if not _lands_read_only(p, scratch, [*fixed, project]) and not inside(p, work)
    ]
    shown = [*fixed, project, *copies]
    hidden = hidden_paths(spec, shown, policy)
    payloads: dict[str, bytes] | None = None
    try:
        payloads = _pack(scratch, copies, work, uid, gid, [h.path for h in hidden])
    except TransferRefused:
        fixed = outermost([*fixed, *copies])  # too big to copy: mounted read-only instead
        payloads = _pack(scratch, [], work, uid, gid, [])
    if uid != os.getuid():
        _check_readable(project, uid)
    binds = [Bind(str(p), str(p)) for p in fixed]
    binds.append(Bind(str(project), str(project)))
    for source in container_system_paths():
        binds.append(Bind(source, source))
    passwd, group = identity_files_for(uid, gid)
    binds += [Bind(passwd, "/etc/passwd"), Bind(group, "/etc/group")]
    copied = [str(p) for p in copies]
    for item in hidden:
        if any(inside(item.path, Path(c)) for c in copied):
            continue  # left out of the copy instead
        if item.kind == "file":
            binds.append(Bind(empty_file(), str(item.path)))
        else:
            binds.append(Bind(_empty_dir(), str(item.path)))
    root_prepare = _shares_root_made_folders(binds, scratch, [work, *copies])
    env = scrubbed_env(spec)
    if "HOME" not in spec.env:
        env["HOME"] = SANDBOX_HOME
    return Layout(
        uid=uid,
        gid=gid,
        binds=tuple(dict.fromkeys(binds)),
        scratch=tuple(scratch),
        tmpfs=(SANDBOX_HOME,),
        work_dir=work,
        env=env,
        limits=limits,
        payloads=payloads,
        root_prepare=root_prepare,
    )


def _depth(path: Path, roots: list[Path] | list[str]) -> int:
    """How deep the deepest of ``roots`` holding ``path`` is (-1: none holds it)."""
    return max((len(Path(r).parts) for r in roots if inside(path, Path(r))), default=-1)


def _lands_read_only(path: Path, scratch: list[str], read_only: list[Path]) -> bool:
    """True when the innermost mount holding ``path`` is a read-only one, not a volume."""
    return _depth(path, read_only) > _depth(path, scratch)


def _pack(
    scratch: list[str],
    copies: list[Path],
    work: Path,
    uid: int,
    gid: int,
    hidden: list[Path],
) -> dict[str, bytes]:
    """One tar per scratch folder: the copied inputs below it and the work folder."""
    packers: dict[str, Packer] = {}

    def packer_for(path: Path) -> Packer:
        # The deepest scratch folder holding ``path`` (the work folder may be one itself).
        root = max((r for r in scratch if inside(path, Path(r))), key=len)
        if root not in packers:
            packers[root] = Packer(PurePosixPath(root), uid, gid, COPY_LIMIT)
        return packers[root]

    for path in copies:
        packer_for(path).add_tree(path, skip=hidden)
    if str(work) not in scratch:
        packer_for(work).work_folder(work, skip=hidden)
    else:  # the work folder is a scratch volume itself: only what the host put there
        packer_for(work).add_tree(work, skip=hidden, writable=True)
    return {root: packer.payload() for root, packer in packers.items()}


def _first_below(path: Path, root: Path) -> str | None:
    """The first path component of ``path`` below ``root`` (None when not below it)."""
    if not inside(path, root) or Path(os.path.abspath(path)) == Path(os.path.abspath(root)):
        return None
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts[0]


def _shares_root_made_folders(binds: list[Bind], scratch: list[str], staged: list[Path]) -> bool:
    """True when a staged path must be made inside a folder the engine made as root.

    The engine creates the parent folders of a mount point below a scratch
    volume as root; the sandbox user cannot create the work folder or an
    input next to the mount point in there.
    """
    for path in staged:
        # The volume the path is made in: the innermost one holding it.
        holders = [Path(r) for r in scratch if inside(path, Path(r))]
        if not holders:
            continue
        root = max(holders, key=lambda r: len(r.parts))
        made = {_first_below(Path(b.target), root) for b in binds} - {None}
        if _first_below(path, root) in made:
            return True
    return False


def _check_readable(project: Path, uid: int) -> None:
    """Refuse a project the sandbox user could not even list (a 0700 folder of root's)."""
    mode = project.stat().st_mode
    if mode & 0o005 != 0o005:
        raise SandboxError(
            f"the project folder {project} is not readable by the sandbox user (uid {uid}, "
            "Regoose runs as root): make it readable (`chmod o+rX`) or run Regoose as a "
            "normal user"
        )


def _empty_dir() -> str:
    """An empty read-only host folder to mount over a secret folder."""
    path = Path(empty_file()).parent / "sandbox-empty-dir"
    path.mkdir(mode=0o555, exist_ok=True)
    return str(path)
