"""Session reports: Markdown for people, JSON for tools, JUnit XML for CI.

report = await report_from_store(store, session_id)
write_report(report, "regoose-report.xml")   # format from the suffix
"""

from __future__ import annotations

from regoose_tui.reports.from_store import report_from_records, report_from_store
from regoose_tui.reports.json_report import parse_json, render_json
from regoose_tui.reports.junit import render_junit
from regoose_tui.reports.markdown import render_markdown
from regoose_tui.reports.model import FileWritten, SessionReport, TestResult
from regoose_tui.reports.writer import render_report, write_report

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
