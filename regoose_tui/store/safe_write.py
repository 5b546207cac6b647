"""Write generated test files atomically, never clobbering a file the user owns.

A write goes to a temporary file in the target's directory, is fsynced and
then renamed over the target (``os.replace``), so a reader or a crash sees
either the old file or the new one, never half of each. An existing file is
only replaced with ``force`` or when its sha256 is one Regoose recorded for
its own earlier output: then the user has not edited it since.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Collection
from pathlib import Path

from regoose_tui.errors import FileExistsRefused, StoreError


def sha256_text(content: str) -> str:
    """The hex sha256 of ``content`` encoded as UTF-8 (what lands on disk)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists: where creating ``path`` would start."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class NotRegularFile(OSError):
    """The path exists but is no regular file (a FIFO, socket or device)."""


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def file_sha256(path: Path) -> str:
    """The hex sha256 of a regular file's bytes; NotRegularFile for anything else.

    Opened non-blocking and checked on the descriptor: a FIFO would otherwise
    block the open (and the hash) until something writes into it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{path} is {_kind_of(mode)}")
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _current_umask() -> int:
    """The process umask, read without changing it (``os.umask`` is racy across threads)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically, creating parent directories."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {target.parent}: {exc.strerror}") from exc
    # Keep an existing file's permissions; new files get the umask's default.
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_current_umask()
    try:
        fd, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise StoreError(f"cannot write in {target.parent}: {exc.strerror}") from exc
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, mode)
        os.replace(temp_path, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        raise
    _fsync_directory(target.parent)
    return target


def atomic_write_text(path: Path, text: str) -> Path:
    """Replace ``path`` with UTF-8 ``text`` atomically (newlines written as given)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_generated_file(
    path: Path | str,
    content: str,
    *,
    force: bool,
    known_sha256: Collection[str] | None = None,
) -> Path:
    """Atomically write a generated file; refuse to overwrite a file the user owns.

    Raises FileExistsRefused when ``path`` exists, ``force`` is false and the
    existing content's sha256 is not in ``known_sha256``. Symlinks are
    followed, so the file they point at is the one written. Blocking: call it
    through ``asyncio.to_thread`` (or :func:`write_generated_file_async`).
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    if target.is_dir():
        raise FileExistsRefused(f"{target} is a folder: cannot write a test file there")
    try:
        mode = target.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None  # nothing there yet (a file where a folder should be: said below)
    except OSError as exc:
        raise StoreError(f"cannot read {target}: {exc.strerror}") from exc
    if mode is not None and not stat.S_ISREG(mode):
        # Never opened (a FIFO would block), never replaced, even with --force.
        raise FileExistsRefused(
            f"{target} is {_kind_of(mode)}, not a regular file: cannot write a test file there"
        )
    if mode is not None and not force:
        try:
            existing = file_sha256(target)
        except NotRegularFile as exc:  # swapped since the stat above
            raise FileExistsRefused(f"{exc}: cannot write a test file there") from None
        except OSError as exc:
            raise StoreError(f"cannot read {target}: {exc.strerror}") from exc
        if existing not in (known_sha256 or ()):
            raise FileExistsRefused(
                f"{target} already exists and was not written by Regoose: pass --force to overwrite"
            )
    return atomic_write_text(target, content)


async def write_generated_file_async(
    path: Path | str,
    content: str,
    *,
    force: bool,
    known_sha256: Collection[str] | None = None,
) -> Path:
    """:func:`write_generated_file` in a worker thread, for the event loop."""
    return await asyncio.to_thread(
        write_generated_file, path, content, force=force, known_sha256=known_sha256
    )
