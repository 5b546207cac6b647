"""The fan-out's one report: a row per module and the totals, in md, json and JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from regoose_tui.errors import UsageError
from regoose_tui.reports import SessionReport, parse_json, render_json
from regoose_tui.reports.scope_report import (
    ScopeReport,
    render_scope_json,
    render_scope_junit,
    render_scope_markdown,
    write_scope_report,
)

TOTALS = {"modules": 2, "passed_modules": 1, "tests": 5, "files_written": 2}


@pytest.fixture
def scope(report: SessionReport) -> ScopeReport:
    second = replace(
        report,
        session_id="5e55104abc02",
        target="src/pricing.py",
        status="passed",
        reason=None,
        line_percent_before=0.0,
        line_percent_after=98.0,
        tests=report.tests[:1],
    )
    return ScopeReport([report, second], TOTALS, [("src/other.py", "in another shard")], 2, 30.0)


def test_markdown_has_a_row_per_module_the_totals_and_the_skips(scope: ScopeReport) -> None:
    text = render_scope_markdown(scope)
    assert text.startswith("## ❌ Regoose: 2 modules, 5 tests (2 at a time, 30.0 s)")
    assert (
        "| `src/cart.py` | failed — 1 test fails after 3 iterations | 4 | 40.0% → 92.5% (+52.5)"
        in text
    )
    assert "| `src/pricing.py` | passed | 1 | 0.0% → 98.0% (+98.0)" in text
    assert "| **Total** | 1 of 2 passed | 5 |" in text
    assert "- `src/other.py`: in another shard" in text
    assert text.count("<summary>src/") == 2  # each module's own report, collapsed


def test_json_holds_every_module_report_whole(scope: ScopeReport) -> None:
    data = json.loads(render_scope_json(scope))
    assert data["format"] == "regoose.scope-report" and data["totals"] == TOTALS
    assert [m["target"] for m in data["modules"]] == ["src/cart.py", "src/pricing.py"]
    # Each entry is the module's own JSON report, readable as one.
    first = parse_json(json.dumps(data["modules"][0]))
    assert render_json(first) == render_json(scope.modules[0])


def test_junit_has_one_suite_per_module_and_summed_counts(scope: ScopeReport) -> None:
    root = ET.fromstring(render_scope_junit(scope).encode())
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["src/cart.py", "src/pricing.py"]
    assert root.get("tests") == str(sum(int(s.get("tests", "0")) for s in suites))
    assert root.get("failures") == str(sum(int(s.get("failures", "0")) for s in suites))


def test_the_suffix_picks_the_format(scope: ScopeReport, tmp_path: Path) -> None:
    written = write_scope_report(scope, tmp_path / "r.md")
    assert written.read_text().startswith("## ")
    with pytest.raises(UsageError, match=r"use a \.md, \.json or \.xml"):
        write_scope_report(scope, tmp_path / "r.txt")
