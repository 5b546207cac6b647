"""Race-free file access under a root: walk folders by descriptor, never follow a link.

Resolving a path and then opening it by name leaves a window in which a
folder on the way can be swapped for a symlink (by a sandboxed run, or any
other process), and the write lands outside the root. Here every component
is opened relative to its parent's descriptor with ``O_NOFOLLOW``, so a swap
makes the call fail instead; the final rename also works on descriptors
(``os.replace`` / ``os.link`` with ``dir_fd``), and a rename replaces a link
itself, never what it points at.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath

from regoose_tui.errors import FileExistsRefused, InputError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class PathChanged(InputError):
    """A folder or file on the way was replaced (by a link, or removed) mid-operation."""


@contextlib.contextmanager
def parent_dir(root: Path, relative: PurePath, *, create: bool) -> Iterator[int]:
    """A descriptor of ``relative``'s parent folder, reached from ``root`` without links.

    ``relative`` must be a plain relative path (no ``..``): the caller resolved
    and confined it first; this only makes sure nothing changed since.
    Missing folders are created when ``create`` is true.
    """
    parts = relative.parts[:-1]
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"not a plain relative path: {relative}")
    fd = os.open(root, _DIR_FLAGS)
    try:
        for name in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o777, dir_fd=fd)
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise PathChanged(
                    f"{relative}: the folder {name} changed while in use ({exc.strerror})"
                ) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def read_at(dir_fd: int, name: str, max_bytes: int, shown: str) -> bytes:
    """Up to ``max_bytes + 1`` bytes of the regular file ``name`` (never a link or FIFO)."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PathChanged(f"{shown}: the file changed while in use ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{shown} is not a regular file")
        return handle.read(max_bytes + 1)


def existing_mode(dir_fd: int, name: str, shown: str) -> int | None:
    """Permission bits of the regular file ``name``; None when nothing is there."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown} is a folder; cannot write a file there")
    if not stat.S_ISREG(info.st_mode):
        # A link here appeared after the path was resolved; a FIFO would block.
        raise PathChanged(f"{shown} is not a regular file; cannot write a file there")
    return stat.S_IMODE(info.st_mode)


def write_at(
    dir_fd: int, name: str, data: bytes, *, mode: int, overwrite: bool, shown: str
) -> None:
    """Write ``name`` atomically in the folder ``dir_fd``: temp file, fsync, rename.

    Without ``overwrite`` the temp file is hard-linked into place, which fails
    if anything (a file, a link) appeared there meanwhile.
    """
    temp = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            _link_new(dir_fd, temp, name, shown)
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)


def _link_new(dir_fd: int, temp: str, name: str, shown: str) -> None:
    refused = FileExistsRefused(f"{shown} already exists; pass overwrite=true to replace it")
    try:
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        raise refused from None
    except OSError:
        # Filesystems without hard links: check, then rename (a small window remains).
        try:
            os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        raise refused from None
