"""JSON round-trips with stable keys; Markdown shows the figures and the failures."""

from __future__ import annotations

import json

import pytest

from regoose_tui.errors import InputError
from regoose_tui.reports import SessionReport, parse_json, render_json, render_markdown


def test_json_round_trips_exactly(report: SessionReport) -> None:
    assert parse_json(render_json(report)) == report


def test_json_keys_are_stable_and_summary_is_derived(report: SessionReport) -> None:
    document = json.loads(render_json(report))
    assert list(document) == [
        "format", "schema_version", "session_id", "target", "project", "provider", "runtime",
        "isolated", "status", "reason", "started_at", "finished_at", "wall_seconds",
        "iterations", "summary", "coverage", "usage", "tests", "files",
        "stopped_by", "stop_detail", "suspected_bugs", "notes",
    ]  # fmt: skip
    assert document["format"] == "regoose.report" and document["schema_version"] == 2
    assert document["summary"] == {
        "tests": 4, "passed": 1, "failed": 1, "error": 1, "skipped": 1, "dropped": 1,
        "dropped_by_kind": {"flaky": 1},
    }  # fmt: skip
    assert document["coverage"] == {
        "line_before": 40.0, "line_after": 92.5, "branch_before": 30.0, "branch_after": 81.25,
        "line_delta": 52.5, "branch_delta": 51.25, "project_tests": 0, "failing_before": 0,
    }  # fmt: skip
    assert list(document["tests"][0]) == ["nodeid", "outcome", "duration", "message", "why"]
    assert document["tests"][0]["why"] == "passed 3 of 3 runs in random order; adds lines 4-5"
    assert document["stopped_by"] == "plateau"
    assert document["suspected_bugs"] == [
        {"test": "test_mean_of_nothing", "input": "mean([])", "observed": "raises "
         "ZeroDivisionError: division by zero", "why": "ZeroDivisionError inside mean (line 3)"},
    ]  # fmt: skip
    # Same report, same bytes.
    assert render_json(report) == render_json(parse_json(render_json(report)))


def test_json_that_is_not_a_report_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a Regoose JSON report"):
        parse_json('{"format": "something.else"}')


def test_markdown_has_the_figures(report: SessionReport) -> None:
    text = render_markdown(report)
    # A short headline a GitHub job summary shows; the details are collapsed.
    assert text.startswith("## ❌ Regoose: `src/cart.py` failed\n\n**Tests** 4: 1 passed,")
    assert "**Line coverage** 40.0% → 92.5% (+52.5)" in text.split("\n\n")[1]
    assert text.count("<details>") == text.count("</details>") == 4
    for fragment in (
        "| **Status** | ❌ failed — 1 test fails after 3 iterations |",
        "| **Tests** | 4: 1 passed, 1 failed, 1 error, 1 skipped; 1 dropped (1 flaky) |",
        "| `tests/test_cart.py::test_flaky` | dropped (flaky) | 0.000 s | flaky: 1 of 2 runs |",
        "| `tests/test_cart.py::test_add_item_increases_total` | passed | 0.012 s "
        "| passed 3 of 3 runs in random order; adds lines 4-5 |",
        "| **Stopped by** | plateau — stopped: no new coverage (no new coverage for 2 rounds) |",
        "### Suspected bugs (1)",
        "| `test_mean_of_nothing` | `mean([])` | raises ZeroDivisionError: division by zero "
        "| ZeroDivisionError inside mean (line 3) |",
        "| **Line coverage** | 40.0% → 92.5% (+52.5) |",
        "| **Branch coverage** | 30.0% → 81.2% (+51.2) |",
        "| **Iterations** | 3 |",
        "| **Runtime** | local (NOT isolated) |",
        "| **Wall time** | 12.5 s |",
        "| **Started** | 2023-11-14 22:13:20 UTC |",
        "| **Tokens** | 1,234 prompt + 567 completion |",
        "| **Cost** | $0.0012 |",
        "- `tests/test_cart.py` (5 tests)",
    ):
        assert fragment in text, fragment


def test_markdown_failures_show_messages_safely(report: SessionReport) -> None:
    text = render_markdown(report)
    assert "<summary><b>Failures (2)</b></summary>" in text
    # The message holds ``` so the fence grows; ANSI codes and NUL are gone.
    assert "````text\nE   AssertionError: assert 90 == 95\n<tag> & 'q' \"d\"\\x00 ```\n````" in text
    assert "\x1b" not in text and "\x00" not in text
    assert "### `tests/test_cart.py::test_tax` — error (0.000 s)" in text
    # A pipe inside a table cell is escaped so the row keeps its four cells.
    row = next(line for line in text.splitlines() if "test_discount" in line and "|" in line[:2])
    assert "[a\\|b::c]" in row
    assert row.replace("\\|", "").count("|") == 5


def test_markdown_of_a_quiet_session() -> None:
    quiet = SessionReport(
        session_id="s1", target="m.py", provider="offline", runtime="bwrap", isolated=True,
        status="passed", line_percent_after=100.0,
    )  # fmt: skip
    text = render_markdown(quiet)
    assert "| **Tests** | 0: 0 passed, 0 failed, 0 error, 0 skipped |" in text
    assert "| **Line coverage** | 100.0% |" in text
    assert "| **Branch coverage** | — |" in text
    assert "| **Runtime** | bwrap |" in text
    assert "Failures" not in text and "Tokens" not in text
    assert text.rstrip().endswith("_None._\n\n</details>")


def test_markdown_of_a_large_session_fits_a_pr_comment() -> None:
    from regoose_tui.reports import TestResult
    from regoose_tui.reports.markdown import MAX_FAILURES, MAX_TEST_ROWS

    long_message = "\n".join(f"line {n} of a long traceback" for n in range(500))
    tests = [
        TestResult(
            nodeid=f"tests/test_big.py::test_{n}",
            outcome="failed" if n % 2 else "passed",
            duration=0.1,
            message=long_message,
        )
        for n in range(1000)
    ]
    big = SessionReport(
        session_id="s2", target="big.py", provider="offline", runtime="bwrap", isolated=True,
        status="failed", tests=tests,
    )  # fmt: skip
    text = render_markdown(big)
    assert len(text) < 65_536
    assert text.count("### `tests/test_big.py::") == MAX_FAILURES
    assert f"_…and {500 - MAX_FAILURES} more failures._" in text
    assert f"| _…{1000 - MAX_TEST_ROWS} more_ | | |" in text
    assert "[… 460 lines cut]" in text and "line 499 of a long traceback" in text
    assert text.startswith(
        "## ❌ Regoose: `big.py` failed\n\n**Tests** 1000: 500 passed, 500 failed"
    )
