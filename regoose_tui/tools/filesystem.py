"""FilesystemTool: read, write (atomically), list, test and glob files under one root.

Every path is resolved (symlinks followed) and refused when it leaves the
root; the file is then reached folder by folder from the root's descriptor
with no link followed (``tools.dir_fd``), so swapping a folder for a symlink
between the check and the use fails instead of escaping. Reads refuse
binary, oversized and non-regular files (a FIFO) with a message saying so;
writes go to a temp file in the target's folder and are renamed into place
relative to that folder's descriptor, so a reader never sees half a file,
and an existing file is only replaced when the caller says ``overwrite``.
The disk work runs in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from pydantic import Field

from regoose_tui.errors import (
    FileExistsRefused,
    InputError,
    StoreError,
    TargetNotFound,
    TargetOutsideProject,
    TargetUnreadable,
)
from regoose_tui.project_config import IgnoreRules
from regoose_tui.store.safe_write import sha256_text, write_generated_file
from regoose_tui.tools.base import Publish, Tool, ToolArgs, ToolResult
from regoose_tui.tools.dir_fd import existing_mode, parent_dir, read_at, write_at
from regoose_tui.tools.paths import checked_root, relative, resolve_inside
from regoose_tui.tools.typed_errors import failure_from

DEFAULT_MAX_READ_BYTES = 1024 * 1024
#: How much of a file is checked for NUL bytes (git's heuristic for "binary").
BINARY_SNIFF_BYTES = 8192
MAX_LIST_ENTRIES = 10_000


def human_size(size: int) -> str:
    """Bytes as a short human string: 512 B, 1.5 KB, 2.0 MB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class ReadFileArgs(ToolArgs):
    """Read a UTF-8 text file under the root and return its text."""

    path: str = Field(description="File path relative to the root.")


class WriteFileArgs(ToolArgs):
    """Write a UTF-8 text file under the root atomically (parent folders are created)."""

    path: str = Field(description="File path relative to the root.")
    content: str = Field(description="The whole new text of the file.")
    overwrite: bool = Field(False, description="Replace the file if it already exists.")


class WriteGeneratedArgs(ToolArgs):
    """Write a generated file atomically; never over a file the user edited unless force."""

    path: str = Field(description="File path relative to the root.")
    content: str = Field(description="The whole new text of the file.")
    force: bool = Field(False, description="Replace an existing file even if the user edited it.")
    known_sha256: list[str] = Field(
        default_factory=list,
        description="sha256 of contents Regoose wrote there before: such a file may be replaced.",
    )


class ListDirArgs(ToolArgs):
    """List a folder under the root: each entry's name, type and size."""

    path: str = Field(".", description="Folder path relative to the root.")


class ExistsArgs(ToolArgs):
    """Say whether a path under the root exists, and whether it is a file or a folder."""

    path: str = Field(description="Path relative to the root.")


class GlobArgs(ToolArgs):
    """Find paths under the root matching a glob pattern such as 'src/**/*.py'."""

    pattern: str = Field(description="Glob pattern relative to the root; ** spans folders.")
    max_results: int = Field(1000, ge=1, le=100_000, description="Stop after this many matches.")


def _previous_bytes(path: Path) -> bytes | None:
    """A regular file's bytes (non-blocking open: a FIFO never hangs it); None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read()


def _missing_folders(folder: Path) -> list[Path]:
    """The folders a write under ``folder`` will create, outermost first."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


class FilesystemTool(Tool):
    """Files under one root directory; nothing outside it is ever read or written."""

    name: ClassVar[str] = "filesystem"
    description: ClassVar[str] = "Read, write, list and find text files inside the project."
    operations: ClassVar[dict[str, type[ToolArgs]]] = {
        "read_file": ReadFileArgs,
        "write_file": WriteFileArgs,
        "write_generated": WriteGeneratedArgs,
        "list_dir": ListDirArgs,
        "exists": ExistsArgs,
        "glob": GlobArgs,
    }

    def __init__(
        self,
        root: Path | str,
        *,
        max_read_bytes: int = DEFAULT_MAX_READ_BYTES,
        publish: Publish | None = None,
        session_id: str | None = None,
        ignore: IgnoreRules | None = None,
    ) -> None:
        super().__init__(publish=publish, session_id=session_id)
        self.root = checked_root(root)
        self.max_read_bytes = max_read_bytes
        #: The project's .regooseignore / [tool.regoose] ignore: never read or written.
        self.ignore = ignore

    def resolve(self, path: str) -> Path:
        """``path`` resolved inside the root; TargetOutsideProject when it escapes.

        PathIgnored when the project's ignore rules exclude it.
        """
        target = resolve_inside(self.root, path)
        if self.ignore:
            self.ignore.check(target, shown=path)
        return target

    def _visible(self, path: Path) -> bool:
        """False for a path the ignore rules exclude (listings and globs leave it out)."""
        return not self.ignore or self.ignore.match(path) is None

    # --- operations (each runs its blocking part in a thread) -------------------

    async def op_read_file(self, args: ReadFileArgs) -> ToolResult:
        return ToolResult.success(await asyncio.to_thread(self._read, args.path))

    async def op_write_file(self, args: WriteFileArgs) -> ToolResult:
        written = await asyncio.to_thread(self._write, args.path, args.content, args.overwrite)
        return ToolResult.success(written)

    async def op_write_generated(self, args: WriteGeneratedArgs) -> ToolResult:
        # store/safe_write keeps the rule (and its exact refusal messages); this
        # confines it to the root and announces it. The error class travels in the
        # output, so FileExistsRefused still reaches the CLI as itself.
        try:
            written = await asyncio.to_thread(self._write_generated, args)
        except (FileExistsRefused, StoreError, InputError) as error:
            return failure_from(error, path=args.path)
        return ToolResult.success(written)

    async def op_list_dir(self, args: ListDirArgs) -> ToolResult:
        return ToolResult.success(await asyncio.to_thread(self._list, args.path))

    async def op_exists(self, args: ExistsArgs) -> ToolResult:
        return ToolResult.success(await asyncio.to_thread(self._exists, args.path))

    async def op_glob(self, args: GlobArgs) -> ToolResult:
        return ToolResult.success(
            await asyncio.to_thread(self._glob, args.pattern, args.max_results)
        )

    def summarize(self, operation: str, result: ToolResult) -> str:
        if result.ok and isinstance(result.output, dict) and "path" in result.output:
            return f"{operation} {result.output['path']}"
        return super().summarize(operation, result)

    # --- blocking parts ----------------------------------------------------------

    def _relative(self, target: Path) -> PurePosixPath:
        return PurePosixPath(target.relative_to(self.root).as_posix())

    def _read(self, path: str) -> str:
        target = self.resolve(path)
        if target == self.root or target.is_dir():
            raise InputError(f"{path} is a folder, not a file")
        rel = self._relative(target)
        try:
            # The resolved path has no links left: walking it link-free must still work.
            with parent_dir(self.root, rel, create=False) as folder:
                data = read_at(folder, rel.name, self.max_read_bytes, path)
        except FileNotFoundError:
            raise TargetNotFound(f"{path}: no such file") from None
        if len(data) > self.max_read_bytes:
            size = target.stat().st_size if target.exists() else len(data)
            raise TargetUnreadable(
                f"{path} is {human_size(size)}, over the {human_size(self.max_read_bytes)} "
                "read limit"
            )
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            raise TargetUnreadable(f"{path} is a binary file, not text")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TargetUnreadable(
                f"{path} is not UTF-8 text (bad byte at offset {exc.start})"
            ) from None

    def _write(self, path: str, content: str, overwrite: bool) -> dict[str, Any]:
        target = self.resolve(path)
        shown = relative(self.root, target)
        if target == self.root or target.is_dir():
            raise InputError(f"{path} is a folder; cannot write a file there")
        rel = self._relative(target)
        data = content.encode("utf-8")
        # Folder by folder from the root's descriptor, no link followed: a folder
        # swapped for a symlink after resolve() fails the write instead of redirecting it.
        with parent_dir(self.root, rel, create=True) as folder:
            mode = existing_mode(folder, rel.name, shown)
            existed = mode is not None
            if existed and not overwrite:
                raise FileExistsRefused(
                    f"{shown} already exists; pass overwrite=true to replace it"
                )
            write_at(
                folder,
                rel.name,
                data,
                mode=0o644 if mode is None else mode,
                overwrite=overwrite,
                shown=shown,
            )
        return {"path": shown, "bytes": len(data), "replaced": existed}

    def _write_generated(self, args: WriteGeneratedArgs) -> dict[str, Any]:
        target = self.resolve(args.path)
        existed = target.is_file()
        # What was there before, for `regoose undo` (a refused write just discards it).
        previous = _previous_bytes(target) if existed else None
        created = _missing_folders(target.parent)
        path = write_generated_file(
            target, args.content, force=args.force, known_sha256=frozenset(args.known_sha256)
        )
        return {
            "path": relative(self.root, path),
            "bytes": len(args.content.encode("utf-8")),
            "replaced": existed,
            "sha256": sha256_text(args.content),
            "previous_b64": base64.b64encode(previous).decode("ascii")
            if previous is not None
            else None,
            "created_dirs": [relative(self.root, folder) for folder in created],
        }

    def _list(self, path: str) -> dict[str, Any]:
        folder = self.resolve(path)
        if not folder.exists():
            raise TargetNotFound(f"{path}: no such folder")
        if not folder.is_dir():
            raise InputError(f"{path} is a file, not a folder")
        entries: list[dict[str, Any]] = []
        with os.scandir(folder) as scan:
            found = sorted((e for e in scan if self._visible(Path(e.path))), key=lambda e: e.name)
            for entry in found[:MAX_LIST_ENTRIES]:
                info = entry.stat(follow_symlinks=False)
                kind = _kind(info.st_mode)
                entries.append(
                    {
                        "name": entry.name,
                        "type": kind,
                        "size": info.st_size if kind == "file" else None,
                    }
                )
        return {
            "path": relative(self.root, folder),
            "entries": entries,
            "truncated": len(found) > MAX_LIST_ENTRIES,
        }

    def _exists(self, path: str) -> dict[str, Any]:
        target = self.resolve(path)
        kind = "dir" if target.is_dir() else "file" if target.exists() else None
        return {"path": relative(self.root, target), "exists": kind is not None, "type": kind}

    def _glob(self, pattern: str, max_results: int) -> dict[str, Any]:
        pure = PurePosixPath(pattern)
        if pure.is_absolute() or ".." in pure.parts:
            raise TargetOutsideProject(f"glob pattern '{pattern}' must stay inside the root")
        if not pattern.strip():
            raise InputError("glob pattern is empty")
        matches: list[str] = []
        truncated = False
        for match in self.root.glob(pattern):
            # A match reached through a symlink may live outside the root: hide it.
            resolved = match.resolve()
            if resolved != self.root and not resolved.is_relative_to(self.root):
                continue
            if not self._visible(match):
                continue
            if len(matches) >= max_results:
                truncated = True
                break
            matches.append(match.relative_to(self.root).as_posix())
        return {"pattern": pattern, "matches": sorted(matches), "truncated": truncated}
