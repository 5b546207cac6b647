"""The session store: every session, message, event, file and result in SQLite.

async with SessionStore.open() as store:
    session_id = await store.create_session(target=..., project=..., ...)
    bus.tap(store_sink(store, session_id))
    ...
    await store.finish_session(session_id, "passed", line_percent=92.0)
"""

from __future__ import annotations

from regoose_tui.store.paths import data_dir, database_path
from regoose_tui.store.records import FileRecord, MessageRecord, ResultRecord, SessionRecord
from regoose_tui.store.safe_write import sha256_text, write_generated_file
from regoose_tui.store.sink import store_sink
from regoose_tui.store.store import SessionStore

__all__ = [
    "FileRecord",
    "MessageRecord",
    "ResultRecord",
    "SessionRecord",
    "SessionStore",
    "data_dir",
    "database_path",
    "sha256_text",
    "store_sink",
    "write_generated_file",
]
