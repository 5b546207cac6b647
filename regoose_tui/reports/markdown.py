"""The Markdown report: a summary table, then failures, tests and files."""

from __future__ import annotations

import re

from regoose_tui.reports.model import SessionReport, TestResult
from regoose_tui.reports.text import percent, printable, seconds, utc_time

_STATUS_MARK = {
    "passed": "✅",
    "failed": "❌",
    "error": "💥",
    "interrupted": "⚠️",
    "cancelled": "⏹️",
    "running": "⏳",
}


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(printable(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def _code(text: str, *, table: bool = False) -> str:
    """An inline code span that survives backticks (and, in a table, pipes)."""
    clean = " ".join(printable(text).split())
    if table:
        # GFM splits cells on '|' even inside code spans unless escaped.
        clean = clean.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", clean)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if clean.startswith("`") or clean.endswith("`") else ""
    return f"{fence}{pad}{clean}{pad}{fence}"


def _block(text: str) -> str:
    """A fenced code block longer than any backtick run in ``text``."""
    clean = printable(text).rstrip()
    longest = max((len(run) for run in re.findall(r"`{3,}", clean)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{clean}\n{fence}"


def _coverage(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return percent(after if after is not None else before)
    return f"{percent(before)} → {percent(after)} ({after - before:+.1f})"


def _tests_line(report: SessionReport) -> str:
    counts = report.outcome_counts()
    parts = [f"{counts[name]} {name}" for name in ("passed", "failed", "error", "skipped")]
    if counts["dropped"]:
        parts.append(f"{counts['dropped']} dropped")
    return f"{len(report.tests)}: " + ", ".join(parts)


def _summary_rows(report: SessionReport) -> list[tuple[str, str]]:
    status = f"{_STATUS_MARK.get(report.status, '')} {report.status}".strip()
    if report.reason:
        status += f" — {report.reason}"
    runtime = report.runtime if report.isolated else f"{report.runtime} (NOT isolated)"
    rows = [
        ("Session", _code(report.session_id, table=True)),
        ("Target", _code(report.target, table=True)),
        ("Status", _cell(status)),
        ("Tests", _tests_line(report)),
        ("Line coverage", _coverage(report.line_percent_before, report.line_percent_after)),
        ("Branch coverage", _coverage(report.branch_percent_before, report.branch_percent_after)),
        ("Iterations", str(report.iterations)),
        ("Provider", _cell(report.provider)),
        ("Runtime", _cell(runtime)),
        ("Wall time", seconds(report.wall_seconds)),
        ("Started", utc_time(report.started_at)),
        ("Finished", utc_time(report.finished_at)),
    ]
    if report.prompt_tokens or report.completion_tokens or report.cost_usd:
        tokens = f"{report.prompt_tokens:,} prompt + {report.completion_tokens:,} completion"
        rows.append(("Tokens", tokens))
        rows.append(("Cost", f"${report.cost_usd:.4f}"))
    return rows


def _failure(test: TestResult) -> list[str]:
    lines = [f"### {_code(test.nodeid)} — {test.outcome} ({seconds(test.duration)})", ""]
    lines.append(_block(test.message) if test.message else "_No message recorded._")
    lines.append("")
    return lines


def render_markdown(report: SessionReport) -> str:
    """The Markdown report text."""
    lines = [f"# Regoose report: {_cell(report.target)}", "", "| | |", "|---|---|"]
    lines += [f"| **{name}** | {value} |" for name, value in _summary_rows(report)]
    lines.append("")
    problems = report.problems
    if problems:
        lines += [f"## Failures ({len(problems)})", ""]
        for test in problems:
            lines += _failure(test)
    if report.tests:
        lines += ["## Tests", "", "| Test | Outcome | Duration |", "|---|---|---:|"]
        lines += [
            f"| {_code(test.nodeid, table=True)} | {test.outcome} | {seconds(test.duration)} |"
            for test in report.tests
        ]
        lines.append("")
    lines += ["## Files written", ""]
    if report.files_written:
        lines += [
            f"- {_code(written.path)} ({written.tests} tests)" for written in report.files_written
        ]
    else:
        lines.append("_None._")
    return "\n".join(lines) + "\n"
