"""Export a stored session's report into the project (chat /export and the history screen)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from regoose_tui.errors import UsageError
from regoose_tui.store.store import SessionStore

#: Export format -> file suffix (the report writer picks the renderer from it).
EXPORT_SUFFIXES: dict[str, str] = {"md": ".md", "json": ".json", "junit": ".xml"}
#: (format, label) pairs for pickers.
EXPORT_CHOICES: tuple[tuple[str, str], ...] = (
    ("md", "Markdown (.md) — for people"),
    ("json", "JSON (.json) — for tools"),
    ("junit", "JUnit XML (.xml) — for CI"),
)


def export_path(project_dir: Path, session_id: str, fmt: str) -> Path:
    """Where the report of ``session_id`` goes: ``regoose-report-<id>.<ext>`` in the project."""
    suffix = EXPORT_SUFFIXES.get(fmt)
    if suffix is None:
        raise UsageError(f"unknown export format {fmt!r}: use md, json or junit")
    return project_dir / f"regoose-report-{session_id}{suffix}"


async def export_session(store: SessionStore, session_id: str, fmt: str, project_dir: Path) -> Path:
    """Write the session's report in ``fmt`` into the project; return the file written."""
    from regoose_tui.reports import report_from_store, write_report

    path = export_path(project_dir, session_id, fmt)
    report = await report_from_store(store, session_id)
    return await asyncio.to_thread(write_report, report, path)
