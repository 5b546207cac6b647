"""Crash safety: a writer killed with SIGKILL leaves a readable, honest database."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from regoose_tui.bus.events import AgentProgress, RunOutput
from regoose_tui.store import SessionStore

NewSession = Callable[..., Awaitable[str]]

# The child writes events as fast as it can and reports how many are surely on
# disk. "flush" mode flushes every 41 events; "stream" mode leaves batching to
# the writer task and reports after each ``flush``-free round, so the kill
# lands while the writer is busy with large batches.
_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from regoose_tui.bus.events import AgentProgress, RunOutput
    from regoose_tui.store import SessionStore

    async def main() -> None:
        store = await SessionStore.open(sys.argv[1])
        session_id = await store.create_session(
            target="src/cart.py", project="/p", provider="offline", runtime="local"
        )
        print(session_id, flush=True)
        stream = sys.argv[2] == "stream"
        padding = "x" * (400 if stream else 0)
        written = 0
        while True:
            for _ in range(40):
                line = f"line {written}"
                await store.append_event(RunOutput(run_id="r", lines=(line, padding)), session_id)
                written += 1
            await store.append_event(
                AgentProgress(agent="executor", message=f"{written} lines"), session_id
            )
            written += 1
            if stream:
                await asyncio.sleep(0)  # let the writer task run
                print(0, flush=True)
            else:
                await store.flush()
                print(written, flush=True)

    asyncio.run(main())
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("mode", ["flush", "stream"])
async def test_sigkilled_run_is_listed_interrupted_with_readable_events(
    db_path: Path, mode: str
) -> None:
    db_path.parent.mkdir(parents=True)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WRITER, str(db_path), mode, stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    try:
        session_id = (await asyncio.wait_for(child.stdout.readline(), 30)).decode().strip()
        confirmed = rounds = 0
        while rounds < 150:
            line = await asyncio.wait_for(child.stdout.readline(), 30)
            assert line, "the writer died on its own"
            confirmed = max(confirmed, int(line))
            rounds += 1
        # Kill it while it is still writing (most likely inside a transaction).
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()
    assert child.returncode == -signal.SIGKILL

    async with SessionStore.open(db_path) as store:
        assert store.recovered_sessions == (session_id,)
        record = await store.get_session(session_id)
        assert record.status == "interrupted"
        assert record.reason == f"process {child.pid} ended without finishing"
        assert record.wall_seconds is not None and record.wall_seconds > 0
        listed = await store.list_sessions()
        assert [(r.id, r.status) for r in listed] == [(session_id, "interrupted")]
        events = await store.events(session_id)

    # Everything the child had flushed is there, whole and in order.
    assert len(events) >= max(confirmed, 1)
    assert all(isinstance(e, RunOutput | AgentProgress) for e in events)
    lines = [e.lines[0] for e in events if isinstance(e, RunOutput)]
    assert lines == [f"line {n}" for n in range(len(events)) if (n + 1) % 41 != 0][: len(lines)]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        seqs = [seq for (seq,) in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_running_session_of_a_live_process_is_left_alone(
    db_path: Path, new_session: NewSession
) -> None:
    async with SessionStore.open(db_path) as first:
        session_id = await new_session(first)
        # A second store opening meanwhile (another window, a CLI) must not
        # steal a session that is still being written.
        async with SessionStore.open(db_path) as second:
            assert second.recovered_sessions == ()
            assert (await second.get_session(session_id)).status == "running"


async def test_reused_pid_does_not_keep_a_dead_session_running(
    db_path: Path, new_session: NewSession
) -> None:
    async with SessionStore.open(db_path) as store:
        live = await new_session(store)
        reused = await new_session(store)
        unknown = await new_session(store)
    with sqlite3.connect(db_path) as conn:
        # Same pid as ours but another start time: the pid was recycled.
        conn.execute("UPDATE sessions SET pid_start = pid_start + 1 WHERE id = ?", (reused,))
        conn.execute("UPDATE sessions SET pid = NULL WHERE id = ?", (unknown,))
    async with SessionStore.open(db_path) as store:
        assert set(store.recovered_sessions) == {reused, unknown}
        assert (await store.get_session(live)).status == "running"
        assert (await store.get_session(reused)).status == "interrupted"
        assert (
            await store.get_session(unknown)
        ).reason == "the process that ran it ended without finishing"
