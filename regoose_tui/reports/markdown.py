"""The Markdown report: a summary table, then failures, tests and files."""

from __future__ import annotations

import re

from regoose_tui.domain.drops import drop_kind, drops_phrase
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


#: Past these, a report would outgrow a PR comment (65,536 characters on GitHub).
MAX_FAILURES = 20
MAX_TEST_ROWS = 300
#: A failure's message is cut to this many lines (the traceback's end is the useful part).
MAX_MESSAGE_LINES = 40


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


def _project_tests(report: SessionReport) -> str:
    """``12 (2 fail before generation)``: the baseline the coverage delta starts from."""
    if not report.project_tests:
        return "none for this module"
    failing = report.failing_before
    return f"{report.project_tests}" + (f" ({failing} fail before generation)" if failing else "")


def _tests_line(report: SessionReport) -> str:
    """``4: 1 passed, 1 failed, 1 error, 1 skipped; 1 dropped (1 flaky)``.

    The leading count is the suite's (dropped tests are not in it), the same
    figure the CLI, the chat and the JSON report give.
    """
    counts = report.outcome_counts()
    parts = [f"{counts[name]} {name}" for name in ("passed", "failed", "error", "skipped")]
    line = f"{report.kept}: " + ", ".join(parts)
    drops = drops_phrase(t.message for t in report.tests if t.outcome == "dropped")
    return f"{line}; {drops}" if drops else line


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
        ("Project tests", _project_tests(report)),
        ("Iterations", str(report.iterations)),
        ("Stopped by", _cell(_stopped(report))),
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


def _stopped(report: SessionReport) -> str:
    """``plateau — stopped: no new coverage (no new coverage for 2 rounds)``."""
    if report.stopped_by is None:
        return "—"
    return (
        f"{report.stopped_by} — {report.stop_detail}" if report.stop_detail else report.stopped_by
    )


def _suspects(report: SessionReport) -> list[str]:
    """The "Suspected bugs" section: shown open, it is what a person must look at."""
    if not report.suspected_bugs:
        return []
    lines = [f"### Suspected bugs ({len(report.suspected_bugs)})", ""]
    lines += [
        "Kept as `@pytest.mark.xfail(strict=True)`: the test states the expected "
        "behaviour and fails until the code is fixed.",
        "",
        "| Test | Input | Observed | Why |",
        "|---|---|---|---|",
    ]
    for bug in report.suspected_bugs:
        lines.append(
            f"| {_code(bug.get('test', ''), table=True)} | {_code(bug.get('input', '') or '—', table=True)} "
            f"| {_cell(bug.get('observed', ''))} | {_cell(bug.get('why', ''))} |"
        )
    return [*lines, ""]


def _failure(test: TestResult) -> list[str]:
    lines = [f"### {_code(test.nodeid)} — {test.outcome} ({seconds(test.duration)})", ""]
    message = test.message or ""
    message_lines = message.rstrip().splitlines()
    if len(message_lines) > MAX_MESSAGE_LINES:
        cut = len(message_lines) - MAX_MESSAGE_LINES
        message = "\n".join([f"[… {cut} lines cut]", *message_lines[-MAX_MESSAGE_LINES:]])
    lines.append(_block(message) if message else "_No message recorded._")
    lines.append("")
    return lines


def _headline(report: SessionReport) -> list[str]:
    """The few lines a GitHub job summary or PR comment shows: status, tests, coverage."""
    mark = _STATUS_MARK.get(report.status, "")
    title = f"## {mark} Regoose: {_code(report.target)} {report.status}".replace("  ", " ")
    figures = [
        f"**Tests** {_tests_line(report)}",
        f"**Line coverage** {_coverage(report.line_percent_before, report.line_percent_after)}",
        "**Branch coverage** "
        + _coverage(report.branch_percent_before, report.branch_percent_after),
    ]
    lines = [title, "", " · ".join(figures), ""]
    if report.reason:
        lines += [f"> {_cell(report.reason)}", ""]
    if report.stopped_by:
        lines += [f"**Stopped by** {_cell(_stopped(report))}", ""]
    lines += [f"> note: {_cell(line)}" for line in report.notes]
    if report.notes:
        lines.append("")
    return [*lines, *_suspects(report)]


def _details(summary: str, body: list[str]) -> list[str]:
    """A collapsed section (GitHub renders Markdown inside with the blank lines kept)."""
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "</details>", ""]


def render_markdown(report: SessionReport) -> str:
    """The Markdown report text: a short headline, then collapsed details.

    Sized for a GitHub job summary or a PR comment: the headline says status,
    tests and coverage with its delta; failures, the full table of tests and the
    files are in ``<details>``, and long lists are cut with a note.
    """
    lines = _headline(report)
    problems = report.problems
    if problems:
        body: list[str] = []
        for test in problems[:MAX_FAILURES]:
            body += _failure(test)
        if len(problems) > MAX_FAILURES:
            body += [f"_…and {len(problems) - MAX_FAILURES} more failures._", ""]
        lines += _details(f"<b>Failures ({len(problems)})</b>", body)
    summary = ["| | |", "|---|---|"]
    summary += [f"| **{name}** | {value} |" for name, value in _summary_rows(report)]
    lines += _details("Session", [*summary, ""])
    if report.tests:
        rows = ["| Test | Outcome | Duration | Why |", "|---|---|---:|---|"]
        rows += [
            f"| {_code(test.nodeid, table=True)} | {_outcome(test)} | {seconds(test.duration)} "
            f"| {_cell(_why(test))} |"
            for test in report.tests[:MAX_TEST_ROWS]
        ]
        if len(report.tests) > MAX_TEST_ROWS:
            rows.append(f"| _…{len(report.tests) - MAX_TEST_ROWS} more_ | | | |")
        dropped = len(report.tests) - report.kept
        shown = f"{report.kept} kept, {dropped} dropped" if dropped else str(report.kept)
        lines += _details(f"Tests ({shown})", [*rows, ""])
    files = [f"- {_code(w.path)} ({w.tests} tests)" for w in report.files_written] or ["_None._"]
    lines += _details("Files written", [*files, ""])
    return "\n".join(lines)


def _why(test: TestResult) -> str:
    """Why a test is in the suite, or why it was dropped (first line of the reason)."""
    if test.outcome == "dropped":
        return (test.message or "").strip().splitlines()[0] if test.message else ""
    return test.why or ""


def _outcome(test: TestResult) -> str:
    """The outcome cell; a dropped test says why in a word."""
    if test.outcome == "dropped":
        return f"dropped ({drop_kind(test.message)})"
    return test.outcome
