"""Host-side I/O across the sandbox boundary: stage inputs, read results, never trust names.

A sandboxed command can replace anything in its writable folder between the
moment it exits and the moment the host looks: a symlink to a canary outside,
a FIFO that never reaches end-of-file, a link to ``/dev/zero``. So the host:

- stages a run's inputs in a folder the sandbox only reads (created fresh,
  files created with ``O_EXCL | O_NOFOLLOW``: nothing there is ever followed);
- gives every run a fresh private output folder (``mkdtemp``, mode 0o700)
  and never writes into a folder a sandboxed run could have written;
- reads every result with ``O_NOFOLLOW | O_NONBLOCK``, a regular-file check
  on the opened descriptor and a byte cap, in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from regoose_tui.errors import SandboxError

#: Default cap on one result file (junit.xml, coverage.json, probe output).
DEFAULT_RESULT_CAP = 64 * 1024**2

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


class UnsafeResultFile(SandboxError):
    """A result file the host refuses to read (not a regular file, or over its cap)."""


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:g} MB"


def read_result_bytes(path: Path, *, max_bytes: int = DEFAULT_RESULT_CAP, name: str = "") -> bytes:
    """The bytes of a file a sandboxed run wrote, read without trusting it.

    The last path component is never followed (a symlink is refused, whatever
    it points at), a FIFO or device is refused without blocking, and more
    than ``max_bytes`` is refused rather than read. ``FileNotFoundError``
    passes through: a missing result is the caller's business. Blocking:
    call it through :func:`read_result_bytes_async` on the event loop.
    """
    shown = name or Path(path).name
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        # ELOOP: a symlink; ENXIO: a socket; EACCES and friends: not ours to read.
        raise UnsafeResultFile(
            f"{shown}: result file is not a regular file ({exc.strerror})"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeResultFile(f"{shown}: result file is not a regular file")
        if info.st_size > max_bytes:
            raise UnsafeResultFile(f"{shown}: result file is larger than {_megabytes(max_bytes)}")
        chunks: list[bytes] = []
        total = 0
        # Read one byte past the cap: the file may still grow (a process left behind).
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise UnsafeResultFile(f"{shown}: result file is larger than {_megabytes(max_bytes)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_result_text(path: Path, *, max_bytes: int = DEFAULT_RESULT_CAP, name: str = "") -> str:
    """:func:`read_result_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    return read_result_bytes(path, max_bytes=max_bytes, name=name).decode("utf-8", "replace")


async def read_result_bytes_async(
    path: Path, *, max_bytes: int = DEFAULT_RESULT_CAP, name: str = ""
) -> bytes:
    """:func:`read_result_bytes` in a worker thread (never blocks the event loop)."""
    return await asyncio.to_thread(read_result_bytes, path, max_bytes=max_bytes, name=name)


async def read_result_text_async(
    path: Path, *, max_bytes: int = DEFAULT_RESULT_CAP, name: str = ""
) -> str:
    """:func:`read_result_text` in a worker thread (never blocks the event loop)."""
    return await asyncio.to_thread(read_result_text, path, max_bytes=max_bytes, name=name)


def private_folder(parent: Path, prefix: str) -> Path:
    """A new folder only this user can enter (0o700), with a name nobody chose in advance.

    ``mkdtemp`` creates it with ``O_EXCL`` semantics, so a name planted
    beforehand is never reused; ``parent`` must be a folder no sandbox can
    write (then nothing can swap the new folder for a link either).
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


async def private_folder_async(parent: Path, prefix: str) -> Path:
    """:func:`private_folder` in a worker thread."""
    return await asyncio.to_thread(private_folder, parent, prefix)


def stage_file(folder: Path, name: str, data: bytes, mode: int = 0o644) -> Path:
    """Create ``folder/name`` holding ``data``; refuse if anything is already there.

    ``O_EXCL | O_NOFOLLOW``: an existing file, symlink or FIFO of that name is
    an error, never written through. Inputs go in a folder the sandbox only
    reads, so this is belt and braces: nothing there should ever pre-exist.
    """
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    fd = os.open(folder / name, _CREATE_FLAGS, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return folder / name


def json_lines(text: str) -> list[Any]:
    """The JSON records of a sandboxed run's line-per-record output; a line that is not
    JSON (a crash can cut the last one short) is left out."""
    records = []
    for raw in text.splitlines():
        try:
            records.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return records
