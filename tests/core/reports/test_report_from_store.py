"""report_from_store: a stored session becomes a complete SessionReport."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from regoose_tui.bus.events import (
    AgentStarted,
    CoverageUpdated,
    PlanNodeStatus,
    ProviderUsage,
    SessionFinished,
    SessionStarted,
)
from regoose_tui.bus.events import TestOutcome as OutcomeEvent
from regoose_tui.bus.events import TestsWritten as WrittenEvent
from regoose_tui.errors import SessionNotFound
from regoose_tui.reports import TestResult, render_junit, report_from_store
from regoose_tui.store import SessionStore, sha256_text


async def _session(store: SessionStore) -> str:
    return await store.create_session(
        target="src/cart.py", project="/p", provider="openai/gpt-4o-mini", runtime="local",
        isolated=False,
    )  # fmt: skip


async def test_report_combines_rows_and_events(tmp_path: Path) -> None:
    async with SessionStore.open(tmp_path / "s.db") as store:
        session_id = await _session(store)
        for event in (
            SessionStarted(target="src/cart.py", project="/p", provider="x", runtime="local",
                           isolated=False),
            CoverageUpdated(target="src/cart.py", line_percent=40.0, branch_percent=25.0),
            PlanNodeStatus(plan_id="p", node_id="gen", status="running", iteration=1),
            AgentStarted(agent="generator", iteration=2),
            AgentStarted(agent="generator", iteration=3),
            ProviderUsage(provider="openai", prompt_tokens=1000, completion_tokens=200, cost_usd=0.01),
            ProviderUsage(provider="openai", prompt_tokens=500, completion_tokens=100, cost_usd=0.005),
            CoverageUpdated(target="src/cart.py", line_percent=88.0, branch_percent=75.0),
            SessionFinished(status="failed", wall_seconds=9.0),
        ):  # fmt: skip
            await store.append_event(event, session_id)
        content = "def test_a():\n    assert True\n"
        await store.record_file(session_id, "tests/test_cart.py", content, tests=2)
        await store.record_results(
            session_id,
            [
                ("tests/test_cart.py::test_a", "passed", 0.01, None),
                ("tests/test_cart.py::test_b", "failed", 0.02, "assert 1 == 2"),
            ],
        )
        await store.finish_session(
            session_id, "failed", "1 test fails", line_percent=90.0, branch_percent=80.0,
            tests=2, passed=1, failed=1, wall_seconds=9.5,
        )  # fmt: skip
        report = await report_from_store(store, session_id)

    assert (report.session_id, report.target, report.project) == (session_id, "src/cart.py", "/p")
    assert (report.provider, report.runtime, report.isolated) == (
        "openai/gpt-4o-mini",
        "local",
        False,
    )
    assert (report.status, report.reason, report.wall_seconds) == ("failed", "1 test fails", 9.5)
    assert report.finished_at is not None and report.finished_at >= report.started_at > 0
    assert report.tests == [
        TestResult("tests/test_cart.py::test_a", "passed", 0.01, None),
        TestResult("tests/test_cart.py::test_b", "failed", 0.02, "assert 1 == 2"),
    ]
    # Before: the first measurement; after: what the session finished with.
    assert (report.line_percent_before, report.line_percent_after) == (40.0, 90.0)
    assert (report.branch_percent_before, report.branch_percent_after) == (25.0, 80.0)
    assert report.iterations == 3
    assert (report.prompt_tokens, report.completion_tokens) == (1500, 300)
    assert report.cost_usd == pytest.approx(0.015)
    assert [(f.path, f.tests, f.sha256) for f in report.files_written] == [
        ("tests/test_cart.py", 2, sha256_text(content))
    ]
    root = ET.fromstring(render_junit(report))
    assert (root.get("tests"), root.get("failures")) == ("2", "1")


async def test_events_fill_in_when_no_rows_were_recorded(tmp_path: Path) -> None:
    async with SessionStore.open(tmp_path / "s.db") as store:
        session_id = await _session(store)
        for event in (
            OutcomeEvent(nodeid="t.py::test_x", outcome="failed", message="first"),
            OutcomeEvent(nodeid="t.py::test_x", outcome="passed", duration=0.5),
            OutcomeEvent(nodeid="t.py::test_a", outcome="skipped"),
            WrittenEvent(path="t.py", tests=2, passed=2, failed=0, content="x = 1\n"),
            CoverageUpdated(target="m.py", line_percent=55.0, branch_percent=50.0),
        ):
            await store.append_event(event, session_id)
        report = await report_from_store(store, session_id)
    assert report.status == "running" and report.finished_at is None
    assert report.tests == [
        TestResult("t.py::test_a", "skipped", 0.0, None),
        TestResult("t.py::test_x", "passed", 0.5, None),
    ]
    assert [(f.path, f.sha256) for f in report.files_written] == [("t.py", sha256_text("x = 1\n"))]
    # A single measurement is no "before".
    assert (report.line_percent_before, report.line_percent_after) == (None, 55.0)
    assert report.iterations == 0 and report.wall_seconds == 0.0


async def test_unknown_session_raises(tmp_path: Path) -> None:
    async with SessionStore.open(tmp_path / "s.db") as store:
        with pytest.raises(SessionNotFound, match="nope"):
            await report_from_store(store, "nope")
