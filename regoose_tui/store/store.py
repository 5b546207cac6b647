"""SessionStore: sessions, messages, events, files and results in SQLite (WAL).

Reads and writes go through one aiosqlite connection (``database``); bus
events are queued and persisted in batches by a writer task
(``event_writer``). Sessions left ``running`` by a process that died are
marked ``interrupted`` when a store opens.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Collection, Generator, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, get_args

import aiosqlite

from regoose_tui.bus.events import Event, SessionStatus, event_from_json
from regoose_tui.errors import SessionNotFound, StoreError
from regoose_tui.store.database import Database
from regoose_tui.store.event_writer import EventWriter
from regoose_tui.store.liveness import process_alive, process_start_ticks
from regoose_tui.store.paths import database_path
from regoose_tui.store.records import (
    FileRecord,
    MessageRecord,
    ResultInput,
    ResultRecord,
    SessionKind,
    SessionRecord,
    to_result_record,
    validated,
)
from regoose_tui.store.safe_write import sha256_text
from regoose_tui.store.scrub import scrub_text
from regoose_tui.store.write_log import WriteLog

_FINAL_STATUSES = frozenset(get_args(SessionStatus)) - {"running"}
#: Past this many queued events ``append_event`` waits for the disk (backpressure).
_BACKPRESSURE_EVENTS = 20_000


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _orphan_reason(pid: int | None) -> str:
    owner = f"process {pid}" if pid is not None else "the process that ran it"
    return f"{owner} ended without finishing"


class _StoreOpener:
    """Lets ``SessionStore.open()`` be awaited or used with ``async with``."""

    def __init__(self, path: Path | str | None, window: float) -> None:
        self._path = path
        self._window = window
        self._store: SessionStore | None = None

    def __await__(self) -> Generator[Any, None, SessionStore]:
        return SessionStore._open(self._path, self._window).__await__()

    async def __aenter__(self) -> SessionStore:
        self._store = await SessionStore._open(self._path, self._window)
        return self._store

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._store is not None:
            await self._store.close()


class SessionStore:
    """The persistent history of every session; open with :meth:`open`."""

    def __init__(self, db: Database, window: float) -> None:
        self.path = db.path
        self._db = db
        self._writer = EventWriter(db, window=window)
        #: What sessions wrote into projects, staged and committed (``regoose undo``).
        self.writes = WriteLog(db)
        #: Sessions this open found orphaned and marked ``interrupted``.
        self.recovered_sessions: tuple[str, ...] = ()

    # --- lifecycle ---------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None, *, window: float = 0.05) -> _StoreOpener:
        """Open (creating and migrating) the store at ``path`` or :func:`database_path`.

        ``await SessionStore.open()`` or ``async with SessionStore.open() as store``;
        ``window`` is how long queued events may wait to share a transaction.
        """
        return _StoreOpener(path, window)

    @classmethod
    async def _open(cls, path: Path | str | None, window: float) -> SessionStore:
        db = await Database.connect(Path(path) if path is not None else database_path())
        store = cls(db, window)
        try:
            await store._recover_interrupted()
        except BaseException:
            await db.close()
            raise
        store._writer.start()
        return store

    async def __aenter__(self) -> SessionStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Write what is queued, stop the writer and close the database."""
        if self._db.closed:
            return
        try:
            await self._writer.stop()
        finally:
            await self._db.close()

    async def _recover_interrupted(self) -> None:
        """Mark ``running`` sessions whose process is gone as ``interrupted``."""
        rows = await self._db.fetchall(
            "SELECT id, pid, pid_start FROM sessions WHERE status = 'running'"
        )
        orphans = [
            (row["id"], row["pid"])
            for row in rows
            if row["pid"] is None or not process_alive(row["pid"], row["pid_start"])
        ]
        if not orphans:
            return
        now = time.time()
        async with self._db.transaction() as conn:
            for session_id, pid in orphans:
                # The last event tells how long the run lasted before it died.
                await conn.execute(
                    "UPDATE sessions SET status = 'interrupted', reason = ?, updated_at = ?,"
                    " wall_seconds = COALESCE(wall_seconds,"
                    "   (SELECT MAX(ts) FROM events WHERE session_id = sessions.id) - created_at)"
                    " WHERE id = ? AND status = 'running'",
                    (_orphan_reason(pid), now, session_id),
                )
        self.recovered_sessions = tuple(session_id for session_id, _ in orphans)

    # --- sessions ----------------------------------------------------------

    async def create_session(
        self,
        *,
        target: str,
        project: str,
        provider: str,
        runtime: str,
        kind: SessionKind = "generate",
        isolated: bool = True,
        session_id: str | None = None,
    ) -> str:
        """Record a new ``running`` session owned by this process; return its id."""
        new_id = session_id or uuid.uuid4().hex[:12]
        now = time.time()
        pid = os.getpid()
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO sessions (id, created_at, updated_at, target, project, provider,"
                    " runtime, isolated, status, pid, pid_start, kind)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                    (new_id, now, now, target, project, provider, runtime, int(isolated),
                     pid, process_start_ticks(pid), kind),
                )  # fmt: skip
        except StoreError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise StoreError(f"cannot create session {new_id}: the id is taken") from exc
            raise
        self._writer.new_session(new_id)
        return new_id

    async def finish_session(
        self,
        session_id: str,
        status: SessionStatus,
        reason: str | None = None,
        *,
        line_percent: float | None = None,
        branch_percent: float | None = None,
        tests: int | None = None,
        passed: int | None = None,
        failed: int | None = None,
        wall_seconds: float | None = None,
    ) -> SessionRecord:
        """Close a session with its final status and figures (figures left None are kept)."""
        if status not in _FINAL_STATUSES:
            raise StoreError(f"a session cannot finish with status {status!r}")
        await self.flush()  # the events come before the verdict
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sessions SET status = ?, reason = ?, updated_at = ?,"
                " line_percent = COALESCE(?, line_percent),"
                " branch_percent = COALESCE(?, branch_percent),"
                " tests = COALESCE(?, tests), passed = COALESCE(?, passed),"
                " failed = COALESCE(?, failed), wall_seconds = COALESCE(?, wall_seconds)"
                " WHERE id = ?",
                (status, reason, time.time(), line_percent, branch_percent, tests, passed,
                 failed, wall_seconds, session_id),
            )  # fmt: skip
            if cursor.rowcount == 0:
                raise SessionNotFound(f"no session with id {session_id!r}")
        return await self.get_session(session_id)

    async def get_session(self, session_id: str) -> SessionRecord:
        """Return one session; raise SessionNotFound if the id is unknown."""
        rows = await self._db.fetchall("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            raise SessionNotFound(f"no session with id {session_id!r}")
        return SessionRecord.model_validate(dict(rows[0]))

    async def resolve_session_id(self, prefix: str) -> str:
        """Expand a unique id prefix (as typed on a command line) to the full id."""
        rows = await self._db.fetchall(
            "SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 2",
            (_like_pattern(prefix)[1:],),
        )
        if len(rows) == 1:
            return str(rows[0]["id"])
        if not rows:
            raise SessionNotFound(f"no session with id {prefix!r}")
        raise SessionNotFound(f"session id {prefix!r} is ambiguous: type more characters")

    async def list_sessions(
        self, limit: int = 50, search: str | None = None
    ) -> list[SessionRecord]:
        """Newest sessions first; ``search`` matches ids, fields, reasons and chat text."""
        sql = "SELECT * FROM sessions"
        params: list[Any] = []
        if search and search.strip():
            pattern = _like_pattern(search.strip())
            fields = ("id", "target", "project", "provider", "runtime", "status", "kind", "reason")
            clauses = [f"{field} LIKE ? ESCAPE '\\'" for field in fields]
            clauses.append(
                "EXISTS (SELECT 1 FROM messages m WHERE m.session_id = sessions.id"
                " AND m.text LIKE ? ESCAPE '\\')"
            )
            sql += " WHERE " + " OR ".join(clauses)
            params.extend([pattern] * len(clauses))
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        params.append(max(0, limit))
        rows = await self._db.fetchall(sql, params)
        return [SessionRecord.model_validate(dict(row)) for row in rows]

    async def delete_session(self, session_id: str) -> None:
        """Delete a session and everything recorded for it."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            if cursor.rowcount == 0:
                raise SessionNotFound(f"no session with id {session_id!r}")
            self._writer.forget_session(session_id)

    # --- events --------------------------------------------------------------

    def enqueue_event(self, event: Event, session_id: str | None = None) -> None:
        """Queue ``event`` for the writer (sync, any thread: usable from a bus tap)."""
        owner = session_id or event.session_id
        if owner is None:
            raise StoreError(f"event {event.kind} has no session id: cannot store it")
        self._writer.put(owner, event)

    async def append_event(self, event: Event, session_id: str | None = None) -> None:
        """Queue ``event``; written within ~50 ms, lifecycle events at once."""
        self.enqueue_event(event, session_id)
        if len(self._writer) >= _BACKPRESSURE_EVENTS:
            await self.flush()

    async def flush(self) -> None:
        """Write every queued event now; re-raise a failure of the writer task."""
        await self._writer.flush()

    async def events(self, session_id: str, *, kinds: Collection[str] | None = None) -> list[Event]:
        """Every stored event of a session (or only those of ``kinds``), in order, typed."""
        await self.flush()
        await self.get_session(session_id)
        sql = "SELECT json FROM events WHERE session_id = ?"
        params: list[Any] = [session_id]
        if kinds is not None:
            wanted = sorted(set(kinds))
            sql += f" AND kind IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        rows = await self._db.fetchall(sql + " ORDER BY seq", params)
        return [event_from_json(row["json"]) for row in rows]

    # --- messages, files, results ---------------------------------------------

    async def add_message(
        self, session_id: str, role: str, text: str, *, ts: float | None = None
    ) -> MessageRecord:
        """Append a chat message (key-shaped text is masked)."""
        record_ts = time.time() if ts is None else ts
        clean_text = scrub_text(text)
        async with self._db.transaction() as conn:
            await self._require_session(conn, session_id)
            async with conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?",
                (session_id,),
            ) as cursor:
                row = await cursor.fetchone()
            seq = int(row[0]) if row else 1
            record = validated(
                MessageRecord,
                {"session_id": session_id, "seq": seq, "role": role, "text": clean_text,
                 "ts": record_ts},
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO messages (session_id, seq, role, text, ts) VALUES (?, ?, ?, ?, ?)",
                (session_id, seq, record.role, record.text, record.ts),
            )
        return record

    async def record_file(
        self, session_id: str, path: str | Path, content: str, *, tests: int = 0
    ) -> FileRecord:
        """Remember a test file Regoose wrote (replaces an earlier version of that path)."""
        record = FileRecord(
            session_id=session_id,
            path=str(path),
            sha256=sha256_text(content),
            content=content,
            tests=tests,
            written_at=time.time(),
        )
        async with self._db.transaction() as conn:
            await self._require_session(conn, session_id)
            await conn.execute(
                "INSERT OR REPLACE INTO files (session_id, path, sha256, content, tests,"
                " written_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, record.path, record.sha256, content, tests, record.written_at),
            )
        return record

    async def record_results(
        self, session_id: str, results: Iterable[ResultInput], *, replace: bool = False
    ) -> int:
        """Store test outcomes (latest per node id); ``replace`` drops earlier ones first."""
        records = [to_result_record(session_id, item) for item in results]
        async with self._db.transaction() as conn:
            await self._require_session(conn, session_id)
            if replace:
                await conn.execute("DELETE FROM results WHERE session_id = ?", (session_id,))
            await conn.executemany(
                "INSERT OR REPLACE INTO results (session_id, nodeid, outcome, duration, message)"
                " VALUES (?, ?, ?, ?, ?)",
                [(r.session_id, r.nodeid, r.outcome, r.duration, r.message) for r in records],
            )
        return len(records)

    async def _require_session(self, conn: aiosqlite.Connection, session_id: str) -> None:
        async with conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)) as cursor:
            if await cursor.fetchone() is None:
                raise SessionNotFound(f"no session with id {session_id!r}")

    async def messages(self, session_id: str) -> list[MessageRecord]:
        """The chat messages of a session, in order."""
        await self.get_session(session_id)
        rows = await self._db.fetchall(
            "SELECT * FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
        )
        return [MessageRecord.model_validate(dict(row)) for row in rows]

    async def files(self, session_id: str) -> list[FileRecord]:
        """The test files written in a session, by path."""
        await self.get_session(session_id)
        rows = await self._db.fetchall(
            "SELECT * FROM files WHERE session_id = ? ORDER BY path", (session_id,)
        )
        return [FileRecord.model_validate(dict(row)) for row in rows]

    async def results(self, session_id: str) -> list[ResultRecord]:
        """The test outcomes of a session, by node id."""
        await self.get_session(session_id)
        rows = await self._db.fetchall(
            "SELECT * FROM results WHERE session_id = ? ORDER BY nodeid", (session_id,)
        )
        return [ResultRecord.model_validate(dict(row)) for row in rows]

    async def known_file_hashes(self, path: str | Path) -> set[str]:
        """Every sha256 Regoose recorded for ``path``: overwriting those loses no user edit."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT sha256 FROM files WHERE path = ?", (str(path),)
        )
        return {str(row["sha256"]) for row in rows}
