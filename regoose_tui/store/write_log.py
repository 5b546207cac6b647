"""What sessions wrote into projects, staged for review, and committed: undo's ledger.

Every file Regoose writes into a user's tree is recorded with the hash of the
bytes it wrote and what was there before (absent, or the previous bytes), plus
the folders the write had to create. ``regoose undo`` reads this back and
restores a file only while it still holds exactly those bytes. A session that
wrote the same path twice keeps the first "before": undo goes back to the state
before the session, not to its own intermediate version.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from regoose_tui.errors import StoreError
from regoose_tui.store.database import Database


@dataclass(frozen=True)
class WriteReceipt:
    """One write into a project: where, the bytes' hash, and what was there before."""

    path: Path
    sha256: str
    #: The bytes the file held before the write; None when there was no file.
    previous: bytes | None
    #: Folders the write created (outermost first); undo removes them when empty.
    created_dirs: tuple[Path, ...] = ()

    @classmethod
    def from_tool_output(cls, root: Path, output: object) -> WriteReceipt:
        """Read the ``write_generated`` output of the filesystem tool rooted at ``root``."""
        if not isinstance(output, dict) or "sha256" not in output or "path" not in output:
            raise StoreError("the filesystem tool gave no receipt for the write")
        encoded = output.get("previous_b64")
        try:
            previous = base64.b64decode(encoded, validate=True) if encoded is not None else None
        except (binascii.Error, TypeError) as exc:
            raise StoreError(f"bad previous content in the write receipt: {exc}") from None
        return cls(
            path=root / str(output["path"]),
            sha256=str(output["sha256"]),
            previous=previous,
            created_dirs=tuple(root / str(d) for d in output.get("created_dirs") or ()),
        )


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class WriteRecord(_Record):
    """One file a session wrote into a project, and what undo would restore."""

    session_id: str
    path: str
    sha256: str
    previous: bytes | None = None
    previous_sha256: str | None = None
    created_dirs: tuple[str, ...] = ()
    written_at: float
    undone_at: float | None = None


class ProposalRecord(_Record):
    """A suite staged for review: ``staged`` is the copy, ``path`` where it would go."""

    session_id: str
    path: str
    staged: str
    sha256: str
    tests: int
    created_at: float


class CommitRecord(_Record):
    """A commit ``--commit`` made on its own branch."""

    session_id: str
    repo: str
    branch: str
    sha: str
    created_at: float


def _write_record(row: Any) -> WriteRecord:
    data = dict(row)
    data["created_dirs"] = tuple(json.loads(data.get("created_dirs") or "[]"))
    return WriteRecord.model_validate(data)


class WriteLog:
    """The ``writes``, ``proposals`` and ``commits`` tables of the session store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- writes ----------------------------------------------------------------

    async def record(self, session_id: str, receipt: WriteReceipt) -> None:
        """Remember a write; a second write of the same path keeps the first "before"."""
        previous = receipt.previous
        previous_sha = hashlib.sha256(previous).hexdigest() if previous is not None else None
        dirs = json.dumps([str(d) for d in receipt.created_dirs])
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO writes (session_id, path, sha256, previous, previous_sha256,"
                " created_dirs, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (session_id, path) DO UPDATE SET sha256 = excluded.sha256,"
                " written_at = excluded.written_at, undone_at = NULL",
                (session_id, str(receipt.path), receipt.sha256, previous, previous_sha, dirs,
                 time.time()),
            )  # fmt: skip

    async def writes(self, session_id: str) -> list[WriteRecord]:
        """Every file ``session_id`` wrote, by path (undone ones included)."""
        rows = await self._db.fetchall(
            "SELECT * FROM writes WHERE session_id = ? ORDER BY path", (session_id,)
        )
        return [_write_record(row) for row in rows]

    async def last_writing_session(self) -> str | None:
        """The newest session with a write not yet undone, or None."""
        rows = await self._db.fetchall(
            "SELECT session_id FROM writes WHERE undone_at IS NULL"
            " ORDER BY written_at DESC, rowid DESC LIMIT 1"
        )
        return str(rows[0]["session_id"]) if rows else None

    async def mark_undone(self, session_id: str, paths: Iterable[str]) -> None:
        """Record that undo took these writes back."""
        now = time.time()
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE writes SET undone_at = ? WHERE session_id = ? AND path = ?",
                [(now, session_id, path) for path in paths],
            )

    # --- proposals -----------------------------------------------------------------

    async def record_proposal(
        self, session_id: str, path: Path, staged: Path, sha256: str, tests: int
    ) -> None:
        """Remember a suite staged for review instead of written into the project."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO proposals (session_id, path, staged, sha256, tests,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, str(path), str(staged), sha256, tests, time.time()),
            )

    async def forget_proposal(self, session_id: str, path: Path) -> None:
        """Drop one staged suite: it was decided (written as reviewed, or rejected)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM proposals WHERE session_id = ? AND path = ?",
                (session_id, str(path)),
            )

    async def proposals(self, session_id: str) -> list[ProposalRecord]:
        """The suites ``session_id`` staged for review, by destination path."""
        rows = await self._db.fetchall(
            "SELECT * FROM proposals WHERE session_id = ? ORDER BY path", (session_id,)
        )
        return [ProposalRecord.model_validate(dict(row)) for row in rows]

    async def last_proposing_session(self) -> str | None:
        """The newest session that staged a suite for review, or None."""
        rows = await self._db.fetchall(
            "SELECT session_id FROM proposals ORDER BY created_at DESC, rowid DESC LIMIT 1"
        )
        return str(rows[0]["session_id"]) if rows else None

    # --- commits -----------------------------------------------------------------------

    async def record_commit(self, session_id: str, repo: Path, branch: str, sha: str) -> None:
        """Remember the branch and commit ``--commit`` made."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO commits (session_id, repo, branch, sha, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, str(repo), branch, sha, time.time()),
            )

    async def commits(self, session_id: str) -> list[CommitRecord]:
        """The commits ``session_id`` made."""
        rows = await self._db.fetchall(
            "SELECT * FROM commits WHERE session_id = ? ORDER BY branch", (session_id,)
        )
        return [CommitRecord.model_validate(dict(row)) for row in rows]
