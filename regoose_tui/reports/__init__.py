"""Session reports: Markdown for people, JSON for tools, JUnit XML for CI.

report = await report_from_store(store, session_id)
write_report(report, "regoose-report.xml")   # format from the suffix
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regoose_tui.reports.from_store import report_from_records, report_from_store
    from regoose_tui.reports.json_report import parse_json, render_json
    from regoose_tui.reports.junit import render_junit
    from regoose_tui.reports.markdown import render_markdown
    from regoose_tui.reports.model import FileWritten, SessionReport, TestResult
    from regoose_tui.reports.writer import render_report, write_report

#: Where each public name lives: loaded on first use (PEP 562), so a command that
#: needs one report module (``regoose generate --json``: documents) loads only it.
_HOMES = {
    "report_from_records": "from_store",
    "report_from_store": "from_store",
    "parse_json": "json_report",
    "render_json": "json_report",
    "render_junit": "junit",
    "render_markdown": "markdown",
    "FileWritten": "model",
    "SessionReport": "model",
    "TestResult": "model",
    "render_report": "writer",
    "write_report": "writer",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FileWritten",
    "SessionReport",
    "TestResult",
    "parse_json",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_report",
    "report_from_records",
    "report_from_store",
    "write_report",
]
