"""What an interpreter said about itself, kept between runs (python_env.py asks it).

Probing an interpreter starts it (~45 ms at every generation's start). Its
answer (version, whether pytest and coverage import, its import path) only
changes when its files do, so it is kept in the user's cache folder, keyed
by the interpreter's real path, and reused while a fingerprint of those files
still matches: the interpreter (the link and what it points to), its
``pyvenv.cfg``, every folder on its import path and the ``.pth`` files of its
site-packages (installing or removing a package changes the folder). A
changed file means a fresh probe.

The file is this user's own: written atomically with mode 0600, read without
following a link, and ignored unless this user owns it and nobody else may
write it. No sandbox can write the user's cache folder (bwrap and the
containers see none of $HOME but the read-only shim folders).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

#: The cache file's name in the user's cache folder for Regoose.
CACHE_NAME = "python-probes.json"
#: Where the link folders of Regoose's own tools were made (python_env.py's shims).
SHIMS_NAME = "python-shim-choices.json"
#: Interpreters remembered at most (the least recently probed go first).
MAX_ENTRIES = 32
#: A larger file is not ours: it is ignored.
_MAX_BYTES = 1024 * 1024
_FORMAT = 1


def cache_path(name: str = CACHE_NAME) -> Path:
    """Where the probes are kept (the user's cache folder, looked up at each call)."""
    return Path(platformdirs.user_cache_dir("regoose")) / name


def lookup(executable: str) -> dict[str, Any] | None:
    """The probe kept for ``executable`` while its files are unchanged, else None."""
    entry = _read().get(os.path.realpath(executable))
    if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
        return None
    probe = entry.get("probe")
    if not isinstance(probe, dict) or not isinstance(probe.get("site"), list):
        return None
    if entry.get("fingerprint") != fingerprint(executable, probe["site"]):
        return None
    return probe


def remember(executable: str, probe: dict[str, Any]) -> None:
    """Keep ``probe`` for ``executable`` (best effort: a cache that cannot be written is none)."""
    key = os.path.realpath(executable)
    entries = {k: v for k, v in _read().items() if k != key}
    entries[key] = {
        "format": _FORMAT,
        "fingerprint": fingerprint(executable, probe.get("site", [])),
        "probe": probe,
    }
    # Insertion order is probe order: the oldest beyond the cap are dropped.
    kept = dict(list(entries.items())[-MAX_ENTRIES:])
    try:
        _write(kept)
    except OSError:
        pass


def kept_shim(label: str, marks: list[Any]) -> str | None:
    """The folder name kept for the shim ``label`` while ``marks`` are unchanged, else None."""
    entry = _read(SHIMS_NAME).get(label)
    if not isinstance(entry, dict) or entry.get("fingerprint") != marks:
        return None
    name = entry.get("folder")
    return name if isinstance(name, str) else None


def keep_shim(label: str, marks: list[Any], folder: str) -> None:
    """Keep the shim ``label``'s folder name for ``marks`` (best effort)."""
    entries = _read(SHIMS_NAME)
    entries[label] = {"fingerprint": marks, "folder": folder}
    try:
        _write(entries, SHIMS_NAME)
    except OSError:
        pass


def read_entries(name: str) -> dict[str, Any]:
    """The JSON object kept as ``name`` in the cache folder, checked as the probes are
    (this user's own regular file, nobody else may write it, at most 1 MiB), else ``{}``."""
    return _read(name)


def write_entries(name: str, entries: dict[str, Any]) -> None:
    """Keep ``entries`` as ``name`` in the cache folder, atomically, mode 0600 (best effort)."""
    try:
        _write(entries, name)
    except OSError:
        pass


def fingerprint(executable: str, site: list[str]) -> list[Any]:
    """What identifies the interpreter's files: stats of everything its answer depends on."""
    path = Path(executable)
    marks: list[Any] = [_mark(path, follow=False), _mark(path), os.path.realpath(path)]
    venv_cfg = path.parent.parent / "pyvenv.cfg"
    marks.append(_mark(venv_cfg))
    for entry in site:
        folder = Path(entry)
        marks.append([entry, _mark(folder)])
        if folder.name in ("site-packages", "dist-packages"):
            marks.append(sorted([p.name, _mark(p)] for p in _pth_files(folder)))
    return marks


def _mark(path: Path, *, follow: bool = True) -> list[int] | None:
    """(device, inode, size, mtime, ctime) of ``path``, or None when it is not there."""
    try:
        found = os.stat(path, follow_symlinks=follow)
    except OSError:
        return None
    return [found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns]


def _pth_files(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return [Path(e.path) for e in entries if e.name.endswith(".pth")]
    except OSError:
        return []


def _read(name: str = CACHE_NAME) -> dict[str, Any]:
    """The cache's entries, or none when the file is missing, not ours, or not valid."""
    try:
        fd = os.open(cache_path(name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            or info.st_size > _MAX_BYTES
        ):
            return {}
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = json.loads(handle.read(_MAX_BYTES + 1))
    except (OSError, ValueError):
        return {}
    finally:
        os.close(fd)
    return data if isinstance(data, dict) else {}


def _write(entries: dict[str, Any], name: str = CACHE_NAME) -> None:
    """Replace the cache file at once (a reader sees the old file or the new one)."""
    target = cache_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=".python-probes-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle)
        os.chmod(staging, 0o600)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
