"""Generated suites the user has not decided on yet, and writing the accepted one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regoose_tui.store.store import SessionStore


@dataclass(frozen=True)
class ProposedFile:
    """A generated suite waiting for the user's Accept."""

    session_id: str
    path: Path
    content: str
    tests: int


async def write_suite(store: SessionStore, proposed: ProposedFile, *, force: bool) -> Path:
    """Write ``proposed`` atomically, never over a file the user edited; record it.

    A file Regoose wrote before (its hash is in the store) may be replaced; any
    other existing file needs ``force`` (FileExistsRefused otherwise).
    """
    from regoose_tui.store.safe_write import write_generated_file_async

    known = await store.known_file_hashes(proposed.path)
    written = await write_generated_file_async(
        proposed.path, proposed.content, force=force, known_sha256=known
    )
    await store.record_file(proposed.session_id, written, proposed.content, tests=proposed.tests)
    return written
