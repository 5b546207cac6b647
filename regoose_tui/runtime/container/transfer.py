"""Moving a run's files across the container boundary as tar streams, trusting nothing.

In: the run's staged read-only inputs (host files the host wrote) and its
empty work folder, packed on the host with fixed owners and modes: inputs
are read-only to the sandbox user, the work folder is its own. Out: the
work folder as the engine's tar stream, unpacked into the host's fresh
private work folder with a cap on the total size and on the number of
entries; only plain folders and regular files are created (with
``O_EXCL | O_NOFOLLOW``, below folders opened with ``O_NOFOLLOW``): a
symlink, hard link, FIFO or device the sandbox planted is dropped, never
followed, and a name that climbs out (``..``, absolute) is refused.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from regoose_tui.errors import SandboxError

#: Most entries one work folder may bring back.
MAX_ENTRIES = 20_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class TransferRefused(SandboxError):
    """A tar stream the host will not copy in or out (too big, too many entries)."""


@dataclass
class Packer:
    """An in-memory tar of host paths, rebased under one container folder.

    ``root`` is the container folder the archive is extracted into (a
    scratch volume's mount point); every entry is named relative to it.
    """

    root: PurePosixPath
    uid: int
    gid: int
    max_bytes: int
    _buffer: io.BytesIO = field(default_factory=io.BytesIO)
    _size: int = 0
    _dirs: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._tar = tarfile.open(fileobj=self._buffer, mode="w", format=tarfile.PAX_FORMAT)

    def _name(self, path: Path) -> str:
        rel = PurePosixPath(path).relative_to(self.root)
        return str(rel)

    def _dir(self, name: str, mode: int) -> None:
        if name in ("", ".") or name in self._dirs:
            return
        self._dirs.add(name)
        info = tarfile.TarInfo(name)
        info.type = tarfile.DIRTYPE
        info.mode, info.uid, info.gid = mode, self.uid, self.gid
        self._tar.addfile(info)

    def parents(self, path: Path) -> None:
        """Folders from ``root`` down to ``path``'s parent (traversable, not writable)."""
        parts = PurePosixPath(self._name(path)).parts[:-1]
        for depth in range(1, len(parts) + 1):
            self._dir("/".join(parts[:depth]), 0o755)

    def work_folder(self, path: Path, skip: Iterable[Path] = ()) -> None:
        """The run's work folder, the sandbox user's own, with what the host put there."""
        self.parents(path)
        self._dir(self._name(path), 0o700)
        self.add_tree(path, skip=skip, writable=True)

    def add_tree(self, path: Path, skip: Iterable[Path] = (), *, writable: bool = False) -> None:
        """A host file or folder, read-only to the sandbox (links and specials are left out)."""
        hidden = {os.path.abspath(p) for p in skip}
        self.parents(path)
        for current, kind in _walk(Path(path), hidden):
            name = self._name(current)
            if kind == "dir":
                self._dir(name, 0o700 if writable else 0o555)
                continue
            data = _read_plain(current)
            if data is None:
                continue
            self._size += len(data)
            if self._size > self.max_bytes:
                raise TransferRefused(f"inputs larger than {self.max_bytes} bytes to copy in")
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600 if writable else 0o444
            info.uid, info.gid = self.uid, self.gid
            self._tar.addfile(info, io.BytesIO(data))

    def payload(self) -> bytes:
        """The finished archive."""
        self._tar.close()
        return self._buffer.getvalue()


def _walk(top: Path, hidden: set[str]) -> Iterator[tuple[Path, str]]:
    """``top`` and everything below it as (path, "dir" | "file"); links not followed."""
    if os.path.abspath(top) in hidden:
        return
    try:
        info = os.lstat(top)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode):
        yield top, "file"
        return
    if not stat.S_ISDIR(info.st_mode):
        return
    yield top, "dir"
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        yield from _walk(Path(entry.path), hidden)


def _read_plain(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


class _ChunkReader(io.RawIOBase):
    """A file object over the engine's chunk iterator, failing past ``cap`` bytes."""

    def __init__(self, chunks: Iterable[bytes], cap: int) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self._cap = cap
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type is wider than what tarfile passes
        while not self._pending:
            chunk = next(self._chunks, b"")
            if not chunk:
                return 0
            self.total += len(chunk)
            if self.total > self._cap:
                raise TransferRefused(f"work folder larger than {self._cap} bytes to copy out")
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def unpack_work_folder(chunks: Iterable[bytes], dest: Path, max_bytes: int) -> list[str]:
    """Unpack the engine's tar of the work folder into the host's ``dest``.

    The archive's first component is the folder's own name (the engine
    names entries after the copied path); it maps onto ``dest``. Returns
    the names that were dropped (links, specials, unsafe names).
    """
    dropped: list[str] = []
    reader = io.BufferedReader(_ChunkReader(chunks, max_bytes))
    dest_fd = os.open(dest, _DIR_FLAGS)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for count, member in enumerate(archive):
                if count > MAX_ENTRIES:
                    raise TransferRefused(f"more than {MAX_ENTRIES} entries to copy out")
                parts = PurePosixPath(member.name).parts[1:]
                if not parts:
                    continue  # the work folder itself
                if any(p in ("", ".", "..") for p in parts) or member.name.startswith("/"):
                    dropped.append(member.name)
                    continue
                if member.isdir():
                    _make_dirs(dest_fd, parts)
                elif member.isreg():
                    source = archive.extractfile(member)
                    if source is None or not _write_file(dest_fd, parts, source):
                        dropped.append(member.name)
                else:
                    dropped.append(member.name)
    finally:
        os.close(dest_fd)
    return dropped


def _open_dirs(dest_fd: int, parts: tuple[str, ...], create: bool) -> int | None:
    """A descriptor of ``dest/parts`` walked with no link followed (made when asked)."""
    fd = os.dup(dest_fd)
    for part in parts:
        if create:
            try:
                os.mkdir(part, 0o700, dir_fd=fd)
            except FileExistsError:
                pass
        try:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError:
            os.close(fd)
            return None
        os.close(fd)
        fd = child
    return fd


def _make_dirs(dest_fd: int, parts: tuple[str, ...]) -> None:
    fd = _open_dirs(dest_fd, parts, create=True)
    if fd is not None:
        os.close(fd)


def _write_file(dest_fd: int, parts: tuple[str, ...], source: IO[bytes]) -> bool:
    parent = _open_dirs(dest_fd, parts[:-1], create=True)
    if parent is None:
        return False
    try:
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, 0o600, dir_fd=parent)
        except FileExistsError:
            return True  # the host's own file (copied in), or a duplicate: the first stays
        except OSError:
            return False
        with os.fdopen(fd, "wb") as out:
            while block := source.read(1 << 20):
                out.write(block)
        return True
    finally:
        os.close(parent)
