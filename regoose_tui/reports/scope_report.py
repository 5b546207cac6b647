"""One report for a fan-out: a row per module and the totals, then each module's report.

`regoose generate FOLDER --report FILE` writes this: Markdown (a summary
table a CI job summary shows, each module's own report collapsed below),
JSON (``regoose.scope-report``: totals, then every module's JSON report) and
JUnit XML (one ``testsuite`` per module under one ``testsuites``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.errors import UsageError
from regoose_tui.reports.json_report import to_document
from regoose_tui.reports.junit import render_junit
from regoose_tui.reports.markdown import render_markdown
from regoose_tui.reports.model import SessionReport
from regoose_tui.reports.text import percent, seconds
from regoose_tui.store.safe_write import atomic_write_text


@dataclass(frozen=True)
class ScopeReport:
    """The modules' session reports, in order, with the run's totals and skips."""

    modules: Sequence[SessionReport]
    totals: dict[str, int]
    skipped: Sequence[tuple[str, str]] = ()
    jobs: int = 1
    wall_seconds: float = 0.0


def _coverage(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return percent(after)
    return f"{percent(before)} → {percent(after)} ({after - before:+.1f})"


def render_scope_markdown(report: ScopeReport) -> str:
    """The summary table (module, status, tests, coverage before → after), then details."""
    totals = report.totals
    ok = totals.get("passed_modules", 0) == totals.get("modules", 0) and report.modules
    lines = [
        f"## {'✅' if ok else '❌'} Regoose: {totals.get('modules', 0)} modules, "
        f"{totals.get('tests', 0)} tests ({report.jobs} at a time, "
        f"{seconds(report.wall_seconds)})",
        "",
        "| Module | Status | Tests | Line coverage | Branch coverage | Wall |",
        "|---|---|---:|---|---|---:|",
    ]
    for module in report.modules:
        status = module.status + (f" — {module.reason}" if module.reason else "")
        lines.append(
            f"| `{module.target}` | {status.replace('|', '/')} | {module.kept} | "
            f"{_coverage(module.line_percent_before, module.line_percent_after)} | "
            f"{_coverage(module.branch_percent_before, module.branch_percent_after)} | "
            f"{seconds(module.wall_seconds)} |"
        )
    lines.append(
        f"| **Total** | {totals.get('passed_modules', 0)} of {totals.get('modules', 0)} passed "
        f"| {totals.get('tests', 0)} | | | {seconds(report.wall_seconds)} |"
    )
    lines.append("")
    if report.skipped:
        lines += ["Skipped:", ""]
        lines += [f"- `{path}`: {why}" for path, why in report.skipped]
        lines.append("")
    for module in report.modules:
        body = render_markdown(module).replace("## ", "### ", 1)
        lines += ["<details>", f"<summary>{module.target}</summary>", "", body, "</details>", ""]
    return "\n".join(lines)


def render_scope_json(report: ScopeReport) -> str:
    """``{"format": "regoose.scope-report", totals, skipped, modules: [report...]}``."""
    data = {
        "format": "regoose.scope-report",
        "schema_version": 1,
        "jobs": report.jobs,
        "wall_seconds": round(report.wall_seconds, 3),
        "totals": report.totals,
        "skipped": [{"target": path, "reason": why} for path, why in report.skipped],
        "modules": [to_document(m).model_dump(mode="json") for m in report.modules],
    }
    return json.dumps(data, indent=2) + "\n"


def render_scope_junit(report: ScopeReport) -> str:
    """Every module's testsuite under one testsuites element, with summed counts."""
    root = ET.Element("testsuites", {"name": "regoose"})
    sums = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    elapsed = 0.0
    for module in report.modules:
        parsed = ET.fromstring(render_junit(module).encode("utf-8"))
        for suite in parsed.iter("testsuite"):
            root.append(suite)
            for key in sums:
                sums[key] += int(suite.get(key, "0"))
            elapsed += float(suite.get("time", "0"))
    for key, value in sums.items():
        root.set(key, str(value))
    root.set("time", f"{elapsed:.3f}")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


_RENDERERS = {".md": render_scope_markdown, ".json": render_scope_json, ".xml": render_scope_junit}


def write_scope_report(report: ScopeReport, path: Path) -> Path:
    """Write the fan-out report in the format the suffix names (blocking: a small file)."""
    renderer = _RENDERERS.get(path.suffix.lower())
    if renderer is None:
        raise UsageError(f"--report {path}: use a .md, .json or .xml (JUnit) file name")
    return atomic_write_text(path, renderer(report))
