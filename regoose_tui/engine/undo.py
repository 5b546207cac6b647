"""`regoose undo`: take back exactly what one session wrote into a project, nothing else.

A file is restored (its previous bytes back, or removed when there was none)
only while it still holds the very bytes the session wrote; a file changed or
deleted since is left alone with one line saying so. The one exception: the
project's own test file that got a new class (domain.class_insert) and was
edited elsewhere since loses exactly the class and the import names the
session added, and keeps the user's edits (domain.take_back); an edit to the
added lines themselves leaves it alone. Folders the session
created are removed when they are empty again. A branch ``--commit`` made is
deleted only while it still points at the session's commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from regoose_tui.domain.class_insert import ADDED_MARK
from regoose_tui.domain.take_back import take_back
from regoose_tui.engine.git_branch import delete_branch
from regoose_tui.errors import UsageError
from regoose_tui.store.safe_write import atomic_write_bytes
from regoose_tui.store.store import SessionStore
from regoose_tui.store.write_log import WriteRecord

UndoAction = Literal["restored", "removed", "already-undone", "left-alone"]


@dataclass(frozen=True)
class UndoLine:
    """What undo did with one file or branch, in one line."""

    path: str
    action: UndoAction
    detail: str

    @property
    def done(self) -> bool:
        """True when the session's write is no longer in the tree."""
        return self.action != "left-alone"


@dataclass(frozen=True)
class UndoResult:
    """Every line of one undo, for the CLI to print."""

    session_id: str
    lines: tuple[UndoLine, ...]

    @property
    def complete(self) -> bool:
        """True when nothing had to be left alone."""
        return all(line.done for line in self.lines)


def _current_sha256(path: Path) -> str | None:
    """The hash of a regular file at ``path`` (no symlink followed); None if absent.

    A symlink, folder or FIFO there gets a hash that matches no write: left alone.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return "not-a-regular-file"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not-a-regular-file"
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_empty(folders: tuple[str, ...]) -> None:
    """Remove the folders a session created, innermost first, when nothing else is in them."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # fails (and is left) when the folder holds anything


def _merged_back(path: Path, record: WriteRecord, written: str | None) -> str | None:
    """The edited file without the class the session added to it, or None."""
    if written is None or record.previous is None:
        return None
    head = ADDED_MARK.split("{", 1)[0]
    if not any(line.startswith(head) for line in written.splitlines()):
        return None  # not an addition to the project's own file: whole-file rules hold
    try:
        previous = record.previous.decode("utf-8")
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return take_back(previous, written, current)


def undo_write(record: WriteRecord, written: str | None = None) -> UndoLine:
    """Take back one write when the file still holds the session's bytes (blocking).

    ``written`` is the text the session wrote (from the store): with it, a class
    added to the project's own file comes back out even after other edits.
    """
    path = Path(record.path)
    current = _current_sha256(path)
    if current is None:
        if record.previous is None:
            _remove_empty(record.created_dirs)
            return UndoLine(record.path, "already-undone", "already gone")
        return UndoLine(record.path, "left-alone", "deleted since the session wrote it; left alone")
    if current != record.sha256:
        taken = _merged_back(path, record, written)
        if taken is None:
            return UndoLine(
                record.path, "left-alone", "changed since the session wrote it; left alone"
            )
        atomic_write_bytes(path, taken.encode("utf-8"))
        return UndoLine(
            record.path, "restored", "the session's additions taken out; later edits kept"
        )
    if record.previous is None:
        path.unlink()
        _remove_empty(record.created_dirs)
        return UndoLine(record.path, "removed", "removed (it did not exist before)")
    atomic_write_bytes(path, record.previous)
    return UndoLine(record.path, "restored", "restored to what it held before")


async def undo_session(store: SessionStore, session_id: str | None = None) -> UndoResult:
    """Undo ``session_id`` (a unique prefix will do), or the last session that wrote files."""
    if session_id is None:
        found = await store.writes.last_writing_session()
        if found is None:
            raise UsageError("nothing to undo: no session has written files into a project")
        session_id = found
    else:
        session_id = await store.resolve_session_id(session_id)
    writes = [record for record in await store.writes.writes(session_id) if not record.undone_at]
    commits = await store.writes.commits(session_id)
    if not writes and not commits:
        raise UsageError(f"nothing to undo: session {session_id} wrote no file still in place")
    # What the session wrote, where the store kept the very bytes the ledger names.
    contents = {(f.path, f.sha256): f.content for f in await store.files(session_id)}
    lines: list[UndoLine] = []
    for record in writes:
        written = contents.get((record.path, record.sha256))
        lines.append(await asyncio.to_thread(undo_write, record, written))
    done = [line.path for line in lines if line.done]
    await store.writes.mark_undone(session_id, done)
    for commit in commits:
        deleted, detail = await delete_branch(Path(commit.repo), commit.branch, commit.sha)
        action: UndoAction = (
            "removed" if deleted else "already-undone" if deleted is None else "left-alone"
        )
        lines.append(UndoLine(f"branch {commit.branch}", action, detail))
    return UndoResult(session_id, tuple(lines))
