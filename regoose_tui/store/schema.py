"""The store's SQLite schema, versioned with ``PRAGMA user_version``.

Each migration moves the database from version ``n - 1`` to ``n`` inside one
transaction that also bumps ``user_version``, so a crash mid-migration leaves
the previous version intact. Add a step to ``MIGRATIONS`` to change the
schema; never edit a step that has shipped.
"""

from __future__ import annotations

import aiosqlite

from regoose_tui.errors import StoreError

_V1 = (
    """
    CREATE TABLE sessions (
        id             TEXT PRIMARY KEY,
        created_at     REAL NOT NULL,
        updated_at     REAL NOT NULL,
        target         TEXT NOT NULL,
        project        TEXT NOT NULL,
        provider       TEXT NOT NULL,
        runtime        TEXT NOT NULL,
        isolated       INTEGER NOT NULL DEFAULT 1,
        status         TEXT NOT NULL CHECK (status IN
                       ('running', 'passed', 'failed', 'error', 'interrupted', 'cancelled')),
        reason         TEXT,
        line_percent   REAL,
        branch_percent REAL,
        tests          INTEGER,
        passed         INTEGER,
        failed         INTEGER,
        wall_seconds   REAL,
        pid            INTEGER,
        pid_start      INTEGER,
        kind           TEXT NOT NULL DEFAULT 'generate'
                       CHECK (kind IN ('generate', 'run', 'chat'))
    )
    """,
    "CREATE INDEX sessions_created ON sessions (created_at DESC)",
    "CREATE INDEX sessions_status ON sessions (status)",
    """
    CREATE TABLE messages (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        role       TEXT NOT NULL,
        text       TEXT NOT NULL,
        ts         REAL NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE events (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        ts         REAL NOT NULL,
        json       TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    )
    """,
    """
    CREATE TABLE files (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        path       TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        content    TEXT NOT NULL,
        tests      INTEGER NOT NULL DEFAULT 0,
        written_at REAL NOT NULL,
        PRIMARY KEY (session_id, path)
    )
    """,
    "CREATE INDEX files_sha ON files (sha256)",
    """
    CREATE TABLE results (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        nodeid     TEXT NOT NULL,
        outcome    TEXT NOT NULL,
        duration   REAL NOT NULL DEFAULT 0,
        message    TEXT,
        PRIMARY KEY (session_id, nodeid)
    )
    """,
)

#: Version 2: what each session wrote into a project (and what was there before), so
#: ``regoose undo`` can take it back; suites staged for review; the git commits made.
_V2 = (
    """
    CREATE TABLE writes (
        session_id      TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        path            TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        previous        BLOB,
        previous_sha256 TEXT,
        created_dirs    TEXT NOT NULL DEFAULT '[]',
        written_at      REAL NOT NULL,
        undone_at       REAL,
        PRIMARY KEY (session_id, path)
    )
    """,
    "CREATE INDEX writes_written ON writes (written_at DESC)",
    """
    CREATE TABLE proposals (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        path       TEXT NOT NULL,
        staged     TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        tests      INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        PRIMARY KEY (session_id, path)
    )
    """,
    """
    CREATE TABLE commits (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        repo       TEXT NOT NULL,
        branch     TEXT NOT NULL,
        sha        TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (session_id, branch)
    )
    """,
)

#: Step ``i`` takes the database from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2)

#: The version this code reads and writes.
SCHEMA_VERSION = len(MIGRATIONS)


async def schema_version(conn: aiosqlite.Connection) -> int:
    """Return the database's ``user_version``."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version found.

    The connection must be in autocommit mode (``isolation_level=None``) so
    each step's explicit transaction is the only one.
    """
    found = await schema_version(conn)
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"the session database has schema version {found}, newer than this "
            f"Regoose understands ({SCHEMA_VERSION}): upgrade Regoose"
        )
    for version in range(found, SCHEMA_VERSION):
        # IMMEDIATE takes the write lock first: two processes opening a fresh
        # database at once serialise here instead of both creating tables.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            if await schema_version(conn) > version:
                await conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[version]:
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version + 1}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return found
