"""One SQLite connection (aiosqlite, WAL) with serialised transactions.

aiosqlite runs the connection in its own thread, so the event loop never
waits on the disk; the asyncio lock keeps one coroutine's transaction from
interleaving with another's statements on the shared connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from regoose_tui.errors import StoreError
from regoose_tui.store.schema import migrate


class Database:
    """A migrated connection to the session database; use :meth:`connect`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.path = path
        self._conn = conn
        self._lock = asyncio.Lock()
        self.closed = False

    @classmethod
    async def connect(cls, path: Path) -> Database:
        """Open ``path`` (creating its folder), set WAL and bring the schema up to date."""
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {path}: {exc}") from exc
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a killed process; only power loss may
            # drop the last commits, which is fine for a history.
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await migrate(conn)
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(f"cannot open the session database {path}: {exc}") from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    def _check_open(self) -> None:
        if self.closed:
            raise StoreError("the session store is closed")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        self._check_open()
        try:
            async with self._lock:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run one query and return its rows."""
        self._check_open()
        try:
            async with self._lock, self._conn.execute(sql, tuple(params)) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: sqlite3.Error) -> StoreError:
        """One readable StoreError for a failure of SQLite (locked, full disk, corrupt)."""
        return StoreError(f"the session database {self.path} failed: {exc}")

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if not self.closed:
            self.closed = True
            await self._conn.close()
