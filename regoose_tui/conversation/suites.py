"""Generated suites the user has not decided on yet, and writing the accepted one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.errors import StoreError
from regoose_tui.store.store import SessionStore

if TYPE_CHECKING:
    from regoose_tui.tools.base import Publish


@dataclass(frozen=True)
class ProposedFile:
    """A generated suite waiting for the user's Accept."""

    session_id: str
    path: Path
    content: str
    tests: int


async def write_suite(
    store: SessionStore,
    proposed: ProposedFile,
    *,
    force: bool,
    publish: Publish | None = None,
) -> Path:
    """Write ``proposed`` atomically, never over a file the user edited; record it.

    A file Regoose wrote before (its hash is in the store) may be replaced; any
    other existing file needs ``force`` (FileExistsRefused otherwise). The write
    goes through the filesystem tool, rooted at the output folder, like the
    reporter's: one checked, announced path for every file Regoose writes.
    """
    from regoose_tui.store.safe_write import nearest_existing
    from regoose_tui.tools.filesystem import FilesystemTool
    from regoose_tui.tools.typed_errors import raise_for

    known = await store.known_file_hashes(proposed.path)
    root = await asyncio.to_thread(nearest_existing, proposed.path.parent)
    files = await asyncio.to_thread(
        FilesystemTool, root, publish=publish, session_id=proposed.session_id
    )
    result = await files.execute(
        "write_generated",
        path=proposed.path.relative_to(root).as_posix(),
        content=proposed.content,
        force=force,
        known_sha256=sorted(known),
    )
    raise_for(result, StoreError)
    output = result.output
    written = files.root / str(output["path"]) if isinstance(output, dict) else proposed.path
    await store.record_file(proposed.session_id, written, proposed.content, tests=proposed.tests)
    return written
