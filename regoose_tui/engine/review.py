"""Review before writing: stage a suite beside the store, apply it into the project later.

Without ``--apply`` a generation leaves the project alone: its suite goes to
``DATA_DIR/review/SESSION/`` under the path it would have in the project
(``tests/test_cart.py``), where the user reads it, edits it or deletes tests
from it. ``regoose apply SESSION`` then writes what is in that folder into the
project, through the same checked write as ``--apply`` (atomic, never over a
file the user edited unless forced), and records it so ``regoose undo`` can
take it back.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.engine.project_rules import rules_for
from regoose_tui.errors import StoreError, UsageError
from regoose_tui.store.safe_write import nearest_existing, sha256_text
from regoose_tui.store.store import SessionStore
from regoose_tui.store.write_log import WriteReceipt
from regoose_tui.tools.base import Publish
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.typed_errors import raise_for

#: The folder under the data dir that holds every staged suite, one folder per session.
REVIEW_FOLDER = "review"
#: Beside the staged files: destination -> sha256 of the project's own file a staged
#: suite was joined into (as new classes); ``apply`` replaces that file only while
#: it still holds those bytes.
BASES_FILE = ".regoose-bases.json"


def review_dir(store: SessionStore, session_id: str) -> Path:
    """Where ``session_id`` stages its suites: beside the store, in the data dir."""
    return Path(store.path).parent / REVIEW_FOLDER / session_id


def staged_path(store: SessionStore, session_id: str, destination: Path, root: Path) -> Path:
    """The staged copy of ``destination``: its path under the project ``root``, mirrored."""
    try:
        relative = destination.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(destination.name)
    return review_dir(store, session_id) / relative


async def stage_suite(
    store: SessionStore,
    session_id: str,
    *,
    destination: Path,
    root: Path,
    content: str,
    tests: int,
    publish: Publish | None = None,
    base_sha256: str | None = None,
) -> Path:
    """Write the suite to the review folder (not the project) and remember where it goes.

    ``base_sha256``: the staged file is the project's own file at ``destination``
    with tests added, computed from the bytes with that hash.
    """
    staged = staged_path(store, session_id, destination, root)
    folder = review_dir(store, session_id)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    files = await asyncio.to_thread(FilesystemTool, folder, publish=publish, session_id=session_id)
    result = await files.execute(
        "write_file",
        path=staged.relative_to(folder).as_posix(),
        content=content,
        overwrite=True,
    )
    raise_for(result, StoreError)
    if base_sha256 is not None:
        await asyncio.to_thread(_remember_base, folder, destination, base_sha256)
    await store.writes.record_proposal(session_id, destination, staged, sha256_text(content), tests)
    return staged


def _bases(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / BASES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


async def staged_bases(store: SessionStore, session_id: str) -> dict[str, str]:
    """Destination -> sha256 of the project's own file each joined suite was computed from."""
    return await asyncio.to_thread(_bases, review_dir(store, session_id))


def _remember_base(folder: Path, destination: Path, sha256: str) -> None:
    bases = {**_bases(folder), str(destination): sha256}
    (folder / BASES_FILE).write_text(json.dumps(bases, sort_keys=True), encoding="utf-8")


async def write_into_project(
    store: SessionStore,
    session_id: str,
    destination: Path,
    content: str,
    *,
    tests: int,
    force: bool,
    publish: Publish | None = None,
    base_sha256: str | None = None,
) -> WriteReceipt:
    """Write one suite into the project and record it (files, and the undo ledger).

    A file Regoose wrote before (its hash is in the store) may be replaced; any
    other existing file needs ``force`` (FileExistsRefused otherwise), unless it
    holds exactly the bytes hashed ``base_sha256`` (the project's own file the
    suite was joined into). The write goes through the filesystem tool rooted
    at the nearest existing folder.
    """
    known = await store.known_file_hashes(destination)
    if base_sha256 is not None:
        known.add(base_sha256)
    root = await asyncio.to_thread(nearest_existing, destination.parent)
    rules = await asyncio.to_thread(rules_for, root)  # the project's .regooseignore holds here too
    files = await asyncio.to_thread(
        FilesystemTool, root, publish=publish, session_id=session_id, ignore=rules.ignore
    )
    result = await files.execute(
        "write_generated",
        path=destination.relative_to(root).as_posix(),
        content=content,
        force=force,
        known_sha256=sorted(known),
    )
    raise_for(result, StoreError)
    receipt = WriteReceipt.from_tool_output(files.root, result.output)
    await store.record_file(session_id, receipt.path, content, tests=tests)
    await store.writes.record(session_id, receipt)
    return receipt


async def settle_staged(
    store: SessionStore,
    session_id: str,
    destination: Path,
    written: str | None,
    tests: int = 0,
) -> None:
    """After a review: the staged copy holds what was written, or is gone with its record.

    ``written`` is the text the review wrote into the project for ``destination``
    (None: nothing, every test of it rejected) and ``tests`` the tests it added.
    A later ``regoose apply SESSION``
    then writes exactly what the review accepted, never a test it rejected.
    """
    proposals = {p.path: p for p in await store.writes.proposals(session_id)}
    proposal = proposals.get(str(destination))
    if proposal is None:
        return
    staged = Path(proposal.staged)
    if written is None:
        await asyncio.to_thread(staged.unlink, missing_ok=True)
        await store.writes.forget_proposal(session_id, destination)
        return
    files = await asyncio.to_thread(
        FilesystemTool, review_dir(store, session_id), session_id=session_id
    )
    result = await files.execute(
        "write_file",
        path=staged.resolve().relative_to(files.root).as_posix(),
        content=written,
        overwrite=True,
    )
    raise_for(result, StoreError)
    await store.writes.record_proposal(session_id, destination, staged, sha256_text(written), tests)


@dataclass(frozen=True)
class Applied:
    """The suites ``regoose apply`` wrote into the project."""

    session_id: str
    receipts: tuple[WriteReceipt, ...]


def _read_staged(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: the staged suite is gone; nothing to apply") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the staged suite: {exc}") from None


async def apply_session(
    store: SessionStore,
    session_id: str | None,
    *,
    force: bool = False,
    publish: Publish | None = None,
) -> Applied:
    """Write the suites ``session_id`` staged (the reviewed files, edits included)."""
    if session_id is None:
        found = await store.writes.last_proposing_session()
        if found is None:
            raise UsageError("nothing to apply: no session staged tests for review")
        session_id = found
    else:
        session_id = await store.resolve_session_id(session_id)
    proposals = await store.writes.proposals(session_id)
    if not proposals:
        raise UsageError(f"nothing to apply: session {session_id} staged no tests")
    receipts = []
    bases = await staged_bases(store, session_id)
    for proposal in proposals:
        content = await asyncio.to_thread(_read_staged, Path(proposal.staged))
        receipts.append(
            await write_into_project(
                store,
                session_id,
                Path(proposal.path),
                content,
                tests=proposal.tests,
                force=force,
                publish=publish,
                base_sha256=bases.get(proposal.path),
            )
        )
    return Applied(session_id, tuple(receipts))
