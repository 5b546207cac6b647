"""The store keeps at most a capped amount of each run's output, and says where it cut."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from regoose_tui.bus.events import Event, RunFinished, RunOutput, RunStarted
from regoose_tui.store import SessionStore
from regoose_tui.store.output_cap import DEFAULT_OUTPUT_CAP, OutputCap, cut_notice

NewSession = Callable[..., Awaitable[str]]
MB = 1024**2


def _lines(events: list[Event], run_id: str) -> list[str]:
    return [
        line
        for event in events
        if isinstance(event, RunOutput) and event.run_id == run_id
        for line in event.lines
    ]


async def test_fifty_megabytes_of_output_keep_the_store_small(
    store: SessionStore, db_path: Path, new_session: NewSession
) -> None:
    session = await new_session(store)
    store.enqueue_event(RunStarted(run_id="r1", runtime="bwrap", argv=("pytest",)), session)
    line = "x" * 1023  # 1 KiB with its newline
    for _ in range(50 * 1024 // 256):
        store.enqueue_event(RunOutput(run_id="r1", lines=(line,) * 256), session)
    store.enqueue_event(RunFinished(run_id="r1", exit_code=1), session)
    events = await store.events(session)
    kept = _lines(events, "r1")
    assert (
        kept[-1]
        == cut_notice(DEFAULT_OUTPUT_CAP)
        == ("[regoose] output cut at 8 MB: the rest of this run's output was not kept")
    )
    assert sum(len(x) + 1 for x in kept[:-1]) <= DEFAULT_OUTPUT_CAP
    assert len(kept) - 1 == DEFAULT_OUTPUT_CAP // 1024
    # The lifecycle events are all there; the database grew by the cap, not by 50 MB.
    assert [e.kind for e in events if not isinstance(e, RunOutput)] == [
        "run.started",
        "run.finished",
    ]
    await store.flush()
    # (database plus its WAL, which holds the same pages again until a checkpoint)
    assert os.path.getsize(db_path) + _wal_size(db_path) < 24 * MB


def _wal_size(db_path: Path) -> int:
    wal = Path(f"{db_path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_one_huge_line_is_cut_inside_the_line() -> None:
    cap = OutputCap(max_bytes=100)
    event = cap.admit("s", RunOutput(run_id="r", lines=("é" * 80,)))
    assert isinstance(event, RunOutput)
    head, notice = event.lines
    assert len(head.encode()) <= 99 and head == "é" * 49
    assert notice == cut_notice(100)
    assert cap.admit("s", RunOutput(run_id="r", lines=("more",))) is None


def test_runs_and_sessions_have_their_own_budgets() -> None:
    cap = OutputCap(max_bytes=10)
    assert cap.admit("s", RunOutput(run_id="a", lines=("123456789",))) is not None
    cut = cap.admit("s", RunOutput(run_id="a", lines=("z",)))
    assert isinstance(cut, RunOutput) and cut.lines == (cut_notice(10),)
    kept = cap.admit("s", RunOutput(run_id="b", lines=("123456789",)))
    assert isinstance(kept, RunOutput) and kept.lines == ("123456789",)
    other = cap.admit("t", RunOutput(run_id="a", lines=("123456789",)))
    assert isinstance(other, RunOutput) and other.lines == ("123456789",)
    # A finished run forgets its count: a run id reused later starts afresh.
    cap.admit("s", RunFinished(run_id="a", exit_code=0))
    again = cap.admit("s", RunOutput(run_id="a", lines=("123456789",)))
    assert isinstance(again, RunOutput) and again.lines == ("123456789",)
