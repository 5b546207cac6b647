"""SessionStore events: batched writes, prompt lifecycle events, typed replay, scrubbing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from regoose_tui.bus.events import (
    AgentStarted,
    ChatToken,
    Event,
    PlanCreated,
    PlanNodeInfo,
    RunOutput,
    SessionFinished,
    ToolCalled,
)
from regoose_tui.errors import SessionNotFound, StoreError
from regoose_tui.store import SessionStore, store_sink

NewSession = Callable[..., Awaitable[str]]


def _stored_kinds(db_path: Path, session_id: str) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT kind FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
        ).fetchall()
    return [kind for (kind,) in rows]


def _agents(events: list[Event]) -> list[str]:
    """The agent of each event; every one must be an AgentStarted."""
    assert all(isinstance(e, AgentStarted) for e in events), events
    return [e.agent for e in events if isinstance(e, AgentStarted)]


def _run_script(db_path: Path, script: str) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.executescript(script)


async def _wait_for_kinds(db_path: Path, session_id: str, count: int, limit: float) -> float:
    """Poll the database from another connection; return seconds until ``count`` rows."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if len(await asyncio.to_thread(_stored_kinds, db_path, session_id)) >= count:
            return time.perf_counter() - start
        await asyncio.sleep(0.005)
    raise AssertionError(f"fewer than {count} events on disk after {limit}s")


async def test_events_round_trip_as_typed_events_in_order(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    sent: list[Event] = [
        PlanCreated(
            plan_id="p1",
            strategy="graph",
            nodes=(
                PlanNodeInfo(id="a", label="analyze"),
                PlanNodeInfo(id="g", label="generate", deps=("a",)),
            ),
        ),
        AgentStarted(agent="analyzer", node_id="a"),
        RunOutput(run_id="r1", lines=("\x1b[32mPASSED\x1b[0m", "é ✓")),
        ChatToken(message_id="m", delta="Hel"),
        SessionFinished(status="passed", wall_seconds=3.5),
    ]
    for event in sent:
        await store.append_event(event, session_id)
    replayed = await store.events(session_id)
    assert replayed == sent
    assert [type(event) for event in replayed] == [type(event) for event in sent]


async def test_event_session_id_is_used_when_none_is_given(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    await store.append_event(AgentStarted(agent="x", session_id=session_id))
    assert [e.kind for e in await store.events(session_id)] == ["agent.started"]
    with pytest.raises(StoreError, match="no session id"):
        await store.append_event(AgentStarted(agent="x"))


async def test_events_of_unknown_session_are_refused_or_dropped(
    store: SessionStore, new_session: NewSession
) -> None:
    with pytest.raises(SessionNotFound):
        await store.events("missing")
    session_id = await new_session(store)
    # One bad event in a batch must not cost the good ones their place on disk.
    await store.append_event(AgentStarted(agent="lost"), "missing")
    await store.append_event(AgentStarted(agent="kept"), session_id)
    await store.flush()
    assert _agents(await store.events(session_id)) == ["kept"]


async def test_lifecycle_events_reach_disk_without_waiting_for_the_batch_window(
    db_path: Path, new_session: NewSession
) -> None:
    # A 30 s window: coalescable events stay queued, a lifecycle event cuts the wait.
    async with SessionStore.open(db_path, window=30.0) as store:
        session_id = await new_session(store)
        for i in range(10):
            await store.append_event(RunOutput(run_id="r", lines=(f"l{i}",)), session_id)
        await asyncio.sleep(0.2)
        assert _stored_kinds(db_path, session_id) == []
        await store.append_event(AgentStarted(agent="generator"), session_id)
        latency = await _wait_for_kinds(db_path, session_id, 11, limit=2.0)
        assert latency < 1.0
        assert _stored_kinds(db_path, session_id)[-1] == "agent.started"


async def test_coalescable_events_are_written_within_the_window(
    store: SessionStore, db_path: Path, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    for i in range(100):
        await store.append_event(RunOutput(run_id="r", lines=(f"l{i}",)), session_id)
    latency = await _wait_for_kinds(db_path, session_id, 100, limit=2.0)
    assert latency < 1.0


async def test_sink_files_events_of_its_session_from_any_thread(
    store: SessionStore, new_session: NewSession
) -> None:
    mine = await new_session(store)
    other = await new_session(store)
    sink = store_sink(store, mine)
    sink(AgentStarted(agent="untagged"))
    sink(AgentStarted(agent="tagged", session_id=mine))
    sink(AgentStarted(agent="foreign", session_id=other))
    worker = threading.Thread(
        target=lambda: [sink(ChatToken(message_id="m", delta=str(i))) for i in range(50)]
    )
    worker.start()
    await asyncio.to_thread(worker.join)
    await asyncio.sleep(0)  # let the thread-safe callbacks run
    await store.flush()
    kinds = [e.kind for e in await store.events(mine)]
    assert kinds[:2] == ["agent.started", "agent.started"]
    assert kinds.count("chat.token") == 50
    assert await store.events(other) == []


async def test_seq_continues_after_reopen(db_path: Path, new_session: NewSession) -> None:
    async with SessionStore.open(db_path) as store:
        session_id = await new_session(store)
        await store.append_event(AgentStarted(agent="first"), session_id)
    async with SessionStore.open(db_path) as store:
        await store.append_event(AgentStarted(agent="second"), session_id)
        agents = _agents(await store.events(session_id))
    assert agents == ["first", "second"]
    with sqlite3.connect(db_path) as conn:
        seqs = conn.execute("SELECT seq FROM events ORDER BY seq").fetchall()
    assert seqs == [(1,), (2,)]


async def test_close_writes_what_is_still_queued(db_path: Path, new_session: NewSession) -> None:
    store = await SessionStore.open(db_path, window=30.0)
    session_id = await new_session(store)
    for i in range(20):
        store.enqueue_event(RunOutput(run_id="r", lines=(str(i),)), session_id)
    await store.close()
    assert len(_stored_kinds(db_path, session_id)) == 20


async def test_api_keys_in_events_are_masked_on_disk(
    store: SessionStore, db_path: Path, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    key = "sk-ant-api03-" + "A1b2" * 12
    await store.append_event(
        ToolCalled(
            tool="shell",
            operation="run",
            args={"env": {"OPENAI_API_KEY": key, "api_key": "short"}, "cmd": f"curl -H 'x: {key}'"},
        ),
        session_id,
    )
    events = await store.events(session_id)
    with sqlite3.connect(db_path) as conn:
        raw = conn.execute("SELECT json FROM events").fetchone()[0]
    assert key not in raw and "short" not in raw
    assert isinstance(events[0], ToolCalled)
    args = events[0].args
    assert args["env"] == {"OPENAI_API_KEY": "sk-***", "api_key": "***"}
    assert args["cmd"] == "curl -H 'x: sk-***'"


async def test_many_events_are_written_fast(store: SessionStore, new_session: NewSession) -> None:
    session_id = await new_session(store)
    sink = store_sink(store, session_id)
    start = time.perf_counter()
    for i in range(20_000):
        sink(RunOutput(run_id="r", lines=(f"collected line {i}",)))
    await store.flush()
    elapsed = time.perf_counter() - start
    events = await store.events(session_id)
    assert len(events) == 20_000
    assert isinstance(events[-1], RunOutput) and events[-1].lines == ("collected line 19999",)
    # ~0.3 s here on 2 cores; a per-event transaction would take tens of seconds.
    assert elapsed < 5.0


async def test_a_failed_batch_is_kept_and_numbered_once_it_lands(
    store: SessionStore, db_path: Path, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    await store.append_event(AgentStarted(agent="before"), session_id)
    await store.flush()
    # A real SQLite failure inside the writer's transaction, switched by a row.
    # (Other connections run in threads: the loop must stay free to roll back.)
    await asyncio.to_thread(
        _run_script,
        db_path,
        """
        CREATE TABLE fail_flag (x);
        INSERT INTO fail_flag VALUES (1);
        CREATE TRIGGER fail_events BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM fail_flag) BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;
        """,
    )
    for i in range(5):
        store.enqueue_event(RunOutput(run_id="r", lines=(str(i),)), session_id)
    with pytest.raises(StoreError, match="disk on fire"):
        await store.flush()
    await asyncio.sleep(0.3)  # the writer task retries and fails too
    await asyncio.to_thread(_run_script, db_path, "DELETE FROM fail_flag")
    await store.append_event(AgentStarted(agent="after"), session_id)
    await store.flush()
    events = await store.events(session_id)
    assert [e.kind for e in events] == ["agent.started"] + ["run.output"] * 5 + ["agent.started"]
    with sqlite3.connect(db_path) as conn:
        seqs = [seq for (seq,) in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, 8))


async def test_writer_waits_for_another_process_holding_the_lock(
    store: SessionStore, db_path: Path, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    locked = threading.Event()

    def hold_write_lock() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(0.5)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold_write_lock)
    holder.start()
    await asyncio.to_thread(locked.wait)
    await store.append_event(AgentStarted(agent="blocked"), session_id)
    started = time.perf_counter()
    await store.flush()
    waited = time.perf_counter() - started
    await asyncio.to_thread(holder.join)
    assert [e.kind for e in await store.events(session_id)] == ["agent.started"]
    assert waited > 0.2  # it really waited on the lock rather than failing


async def test_events_can_be_filtered_by_kind(store: SessionStore, new_session: NewSession) -> None:
    session_id = await new_session(store)
    for i in range(3):
        await store.append_event(RunOutput(run_id="r", lines=(str(i),)), session_id)
        await store.append_event(AgentStarted(agent=f"a{i}"), session_id)
    await store.append_event(SessionFinished(status="passed"), session_id)
    picked = await store.events(session_id, kinds={"agent.started", "session.finished"})
    assert [e.kind for e in picked] == ["agent.started"] * 3 + ["session.finished"]
    assert _agents(picked[:3]) == ["a0", "a1", "a2"]
    assert await store.events(session_id, kinds=[]) == []
