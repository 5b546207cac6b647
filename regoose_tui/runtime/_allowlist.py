"""What a bubblewrap sandbox may see of the host: the allow-list and the masks.

The sandbox root is an empty read-only tmpfs; only what is listed here is
bound into it. System folders hold the C library, Python's shared libraries
and the tools a test may start; /etc contributes the few files the dynamic
loader, SSL, locale and name lookups read, and a minimal passwd/group
written by Regoose (the host's list of users is not shown). No /run,
/var/run, /home, /root, /srv, /opt or /mnt: host unix sockets (D-Bus,
docker.sock, ssh-agent) live there, and a read-only bind does not stop
``connect()``.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

_log = logging.getLogger(__name__)

#: $HOME inside the sandbox: an empty, size-capped tmpfs.
SANDBOX_HOME = "/home/sandbox"

#: Top-level system folders (on merged-/usr systems most are links into /usr).
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

#: /etc entries Python, OpenSSL, glibc's locale and resolver code read; nothing secret.
_ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "pki",
    "crypto-policies",
    "localtime",
    "timezone",
    "locale.alias",
    "locale.conf",
    "nsswitch.conf",
    "host.conf",
    "hosts",
    "gai.conf",
    "protocols",
    "services",
    "mime.types",
    "os-release",
    "debian_version",
)

#: Stop looking for sockets in a project after this many entries (a huge tree).
_SCAN_LIMIT = 200_000


def _cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("regoose")) / "sandbox-etc"


def _identity_files() -> tuple[str, str]:
    """A passwd and a group file naming only the sandbox's own user.

    Checked on every call, not cached: the cache folder follows $HOME, which
    may change (tests), and a stale path would make bwrap refuse to start.
    """
    uid, gid = os.getuid(), os.getgid()
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    passwd = folder / f"passwd-{uid}-{gid}"
    group = folder / f"group-{uid}-{gid}"
    user = "root" if uid == 0 else "sandbox"
    for path, text in (
        (passwd, f"{user}:x:{uid}:{gid}:{user}:{SANDBOX_HOME}:/bin/sh\n"),
        (group, f"{user}:x:{gid}:\n"),
    ):
        if not path.is_file() or path.read_text() != text:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(text)
            tmp.replace(path)
    return str(passwd), str(group)


def system_binds() -> tuple[str, ...]:
    """bwrap arguments exposing the system folders and the harmless /etc files."""
    passwd, group = _identity_files()
    return (*_system_dirs(), "--ro-bind", passwd, "/etc/passwd", "--ro-bind", group, "/etc/group")


@functools.cache
def _system_dirs() -> tuple[str, ...]:
    args: list[str] = []
    for name in _SYSTEM_DIRS:
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    etc = [f"/etc/{name}" for name in _ETC_ENTRIES]
    etc += sorted(glob.glob("/etc/python3*"))  # Debian's sitecustomize for its Python
    for path in etc:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return tuple(args)


#: /etc files a container engine provides itself (mounting over them would clash).
_ENGINE_ETC = ("hosts", "hostname", "resolv.conf")


def container_system_paths() -> list[str]:
    """The same allow-list for a container: host folders and /etc files to mount read-only.

    Top-level links (``/bin -> usr/bin``) are part of the sandbox image, so
    only real folders are listed.
    """
    paths = [name for name in _SYSTEM_DIRS if os.path.isdir(name) and not os.path.islink(name)]
    etc = [f"/etc/{name}" for name in _ETC_ENTRIES if name not in _ENGINE_ETC]
    etc += sorted(glob.glob("/etc/python3*"))
    return paths + [path for path in etc if os.path.exists(path)]


def identity_files_for(uid: int, gid: int) -> tuple[str, str]:
    """A passwd and a group file naming root and the sandbox user ``uid``:``gid`` only."""
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    passwd, group = folder / f"passwd-c{uid}-{gid}", folder / f"group-c{uid}-{gid}"
    users = "root:x:0:0:root:/root:/bin/sh\n"
    groups = "root:x:0:\n"
    if uid != 0:
        users += f"sandbox:x:{uid}:{gid}:sandbox:{SANDBOX_HOME}:/bin/sh\n"
        groups += f"sandbox:x:{gid}:\n"
    for path, text in ((passwd, users), (group, groups)):
        if not path.is_file() or path.read_text() != text:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(text)
            tmp.chmod(0o644)
            tmp.replace(path)
    return str(passwd), str(group)


@dataclass(frozen=True)
class SandboxPolicy:
    """Host facts a run must not expose, known to the caller (config, store)."""

    #: Where the configuration was read (cwd or --project): its .env holds keys.
    config_root: Path | None = None
    #: Regoose's data folder (sessions.db): the store of every past session.
    data_dir: Path | None = None
    #: Paths the project's ignore rules exclude (.regooseignore): masked like secrets.
    masked: tuple[Path, ...] = ()

    def secret_paths(self, project_dir: Path) -> list[Path]:
        """Every ``.env`` from the import root up, and from the config root up; the store."""
        folders: list[Path] = [project_dir, *project_dir.parents]
        if self.config_root is not None:
            folders += [self.config_root, *self.config_root.parents]
        if named := os.environ.get("REGOOSE_CONFIG_FILE"):
            folders.append(Path(named).expanduser().parent)
        found = [f / ".env" for f in dict.fromkeys(folders) if (f / ".env").exists()]
        stores = [self.data_dir, os.environ.get("REGOOSE_DATA_DIR")]
        stores.append(str(platformdirs.user_data_path("regoose", appauthor=False)))
        found += [Path(p) for p in dict.fromkeys(stores) if p and Path(p).exists()]
        found += [p for p in self.masked if p.exists()]
        return found

    def scan_roots(self) -> list[Path]:
        """Extra folders to search for sockets (beyond the project)."""
        return [self.config_root] if self.config_root is not None else []


def find_sockets(roots: Iterable[Path]) -> list[Path]:
    """Unix socket files under ``roots`` (no links followed, bounded walk).

    ``scandir`` reports the type of each entry without a stat, so only the
    rare entry that is neither file, folder nor link costs a system call.
    """
    found: list[Path] = []
    seen = 0
    todo = [str(r) for r in roots if r.is_dir()]
    visited: set[str] = set()
    while todo:
        folder = todo.pop()
        if folder in visited:
            continue
        visited.add(folder)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _SCAN_LIMIT:
                _log.warning("socket scan stopped after %d entries under %s", _SCAN_LIMIT, roots)
                return found
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                elif not entry.is_file(follow_symlinks=False) and not entry.is_symlink():
                    if stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode):
                        found.append(Path(entry.path))
            except OSError:
                continue
    return found
