"""Pick a report format from the file suffix and write it atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from regoose_tui.errors import UsageError
from regoose_tui.reports.json_report import render_json
from regoose_tui.reports.junit import render_junit
from regoose_tui.reports.markdown import render_markdown
from regoose_tui.reports.model import SessionReport
from regoose_tui.store.safe_write import atomic_write_text

#: Suffix -> renderer; the keys are the formats ``--report`` accepts.
RENDERERS: dict[str, Callable[[SessionReport], str]] = {
    ".md": render_markdown,
    ".json": render_json,
    ".xml": render_junit,
}


def render_report(report: SessionReport, suffix: str) -> str:
    """The report as text in the format named by ``suffix`` (``.md``, ``.json``, ``.xml``)."""
    renderer = RENDERERS.get(suffix.lower())
    if renderer is None:
        shown = suffix or "(none)"
        raise UsageError(
            f"unknown report format {shown!s}: name the file .md (Markdown), .json or .xml (JUnit)"
        )
    return renderer(report)


def write_report(report: SessionReport, path: Path | str) -> Path:
    """Write ``report`` to ``path`` in the format its suffix names; return the path.

    Blocking (small file, fsynced): from async code call it through
    ``asyncio.to_thread``.
    """
    target = Path(path)
    text = render_report(report, target.suffix)
    return atomic_write_text(target, text)
