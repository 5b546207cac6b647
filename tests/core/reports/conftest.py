"""A realistic report shared by the report tests."""

from __future__ import annotations

import pytest

from regoose_tui.reports import FileWritten, SessionReport, TestResult


@pytest.fixture
def report() -> SessionReport:
    """Five outcomes, awkward characters, coverage that grew, a paid provider."""
    return SessionReport(
        session_id="5e55104abc01",
        target="src/cart.py",
        project="/home/u/shop",
        provider="openai/gpt-4o-mini",
        runtime="local",
        isolated=False,
        status="failed",
        reason="1 test fails after 3 iterations",
        started_at=1_700_000_000.0,
        finished_at=1_700_000_012.5,
        wall_seconds=12.5,
        tests=[
            TestResult(
                "tests/test_cart.py::test_add_item_increases_total",
                "passed",
                0.012,
                why="passed 3 of 3 runs in random order; adds lines 4-5",
            ),
            TestResult(
                "tests/test_cart.py::TestCart::test_discount[a|b::c]",
                "failed",
                0.2,
                "\x1b[31mE   AssertionError: assert 90 == 95\x1b[0m\n<tag> & 'q' \"d\"\x00 ```",
            ),
            TestResult("tests/test_cart.py::test_tax", "error", 0.0, "RuntimeError: boom"),
            TestResult("tests/test_cart.py::test_db", "skipped", 0.0, "no database"),
            TestResult("tests/test_cart.py::test_flaky", "dropped", 0.0, "flaky: 1 of 2 runs"),
        ],
        line_percent_before=40.0,
        line_percent_after=92.5,
        branch_percent_before=30.0,
        branch_percent_after=81.25,
        files_written=[FileWritten("tests/test_cart.py", 5, "ab" * 32)],
        iterations=3,
        prompt_tokens=1234,
        completion_tokens=567,
        cost_usd=0.0012,
        stopped_by="plateau",
        stop_detail="stopped: no new coverage (no new coverage for 2 rounds)",
        suspected_bugs=[
            {
                "test": "test_mean_of_nothing",
                "input": "mean([])",
                "observed": "raises ZeroDivisionError: division by zero",
                "why": "ZeroDivisionError inside mean (line 3)",
            }
        ],
    )
