"""Generated suites the user has not decided on yet, and writing the accepted one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.store.store import SessionStore

if TYPE_CHECKING:
    from regoose_tui.conversation.conversation import Conversation
    from regoose_tui.engine.review_set import ReviewDecisions, ReviewSet, ReviewWrite
    from regoose_tui.tools.base import Publish


@dataclass(frozen=True)
class ProposedFile:
    """A generated suite waiting for the user's Accept."""

    session_id: str
    path: Path
    content: str
    tests: int
    #: When ``content`` is the project's own test file with the suite added as new
    #: classes: the sha256 of the bytes it was computed from (the write needs them
    #: unchanged; it never replaces a file edited since).
    base_sha256: str | None = None


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
    reporter's: one checked, announced path for every file Regoose writes, and
    it is recorded so `regoose undo` can take it back.
    """
    from regoose_tui.engine.review import write_into_project

    receipt = await write_into_project(
        store,
        proposed.session_id,
        proposed.path,
        proposed.content,
        tests=proposed.tests,
        force=force,
        publish=publish,
        base_sha256=proposed.base_sha256,
    )
    return receipt.path


def review_notice(review: ReviewSet, written: list[ReviewWrite]) -> str:
    """One line saying what a review wrote where, what it left out, and how to undo it."""
    parts = [
        f"{w.shown} ({w.accepted} test{'s' if w.accepted != 1 else ''}"
        + (f", {w.rejected} rejected)" if w.rejected else ")")
        for w in written
    ]
    skipped = [f.shown for f in review.files if f.shown not in {w.shown for w in written}]
    if not parts:
        return f"Wrote nothing: every proposed test was rejected ({', '.join(skipped)})."
    line = "Wrote " + ", ".join(parts) + "."
    if skipped:
        line += f" Left out: {', '.join(skipped)}."
    return line + f" To take it back: regoose undo {review.session_id}"


async def apply_reviewed(
    conversation: Conversation, review: ReviewSet, decisions: ReviewDecisions
) -> list[ReviewWrite]:
    """Write what a review accepted and tell the chat, in one notice, what went where."""
    from regoose_tui.engine.review_set import apply_review

    store = await conversation.host.get_store()
    written = await apply_review(
        store,
        review,
        decisions,
        force=conversation.host.settings.generate.force,
        publish=conversation.bus.publish_nowait,
    )
    await conversation.notice(review_notice(review, written))
    return written
