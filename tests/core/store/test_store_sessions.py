"""SessionStore: sessions, messages, files and results round-trip through SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from regoose_tui.bus.events import TestOutcome as OutcomeEvent
from regoose_tui.errors import SessionNotFound, StoreError
from regoose_tui.store import ResultRecord, SessionStore, sha256_text
from regoose_tui.store.schema import SCHEMA_VERSION

NewSession = Callable[..., Awaitable[str]]


async def test_new_session_is_running_and_owned_by_this_process(
    store: SessionStore, new_session: NewSession
) -> None:
    import os

    session_id = await new_session(store, kind="chat", isolated=False)
    record = await store.get_session(session_id)
    assert record.status == "running"
    assert record.pid == os.getpid()
    assert record.kind == "chat"
    assert record.isolated is False
    assert record.target == "src/cart.py"
    assert not record.finished


async def test_finish_session_keeps_figures_and_verdict(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    record = await store.finish_session(
        session_id,
        "failed",
        "2 tests fail",
        line_percent=81.5,
        branch_percent=70.25,
        tests=10,
        passed=8,
        failed=2,
        wall_seconds=12.5,
    )
    assert (record.status, record.reason) == ("failed", "2 tests fail")
    assert (record.line_percent, record.branch_percent) == (81.5, 70.25)
    assert (record.tests, record.passed, record.failed, record.wall_seconds) == (10, 8, 2, 12.5)
    assert record.updated_at >= record.created_at
    assert record.finished


async def test_finish_session_refuses_running_and_unknown_ids(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    with pytest.raises(StoreError, match="running"):
        await store.finish_session(session_id, "running")
    with pytest.raises(SessionNotFound, match="nope"):
        await store.finish_session("nope", "passed")


async def test_get_session_unknown_id_raises_one_line_error(store: SessionStore) -> None:
    with pytest.raises(SessionNotFound) as caught:
        await store.get_session("deadbeef0000")
    assert "deadbeef0000" in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_list_sessions_newest_first_with_limit(
    store: SessionStore, new_session: NewSession
) -> None:
    ids = [await new_session(store, target=f"src/m{i}.py") for i in range(5)]
    listed = await store.list_sessions(limit=3)
    assert [record.id for record in listed] == ids[::-1][:3]
    assert len(await store.list_sessions()) == 5


async def test_list_sessions_search_matches_fields_and_chat_text(
    store: SessionStore, new_session: NewSession
) -> None:
    cart = await new_session(store, target="src/cart.py")
    geometry = await new_session(store, target="src/geometry.py", provider="openai/gpt-4o-mini")
    await store.add_message(geometry, "user", "please cover the triangle classifier")
    assert [r.id for r in await store.list_sessions(search="cart")] == [cart]
    assert [r.id for r in await store.list_sessions(search="GPT-4o")] == [geometry]
    assert [r.id for r in await store.list_sessions(search="triangle")] == [geometry]
    # LIKE wildcards in the query are literal characters.
    assert await store.list_sessions(search="%") == []
    assert await store.list_sessions(search="src_cart") == []
    assert len(await store.list_sessions(search="  ")) == 2


async def test_resolve_session_id_by_unique_prefix(
    store: SessionStore, new_session: NewSession
) -> None:
    first = await new_session(store, session_id="abc111")
    await new_session(store, session_id="abc222")
    assert await store.resolve_session_id("abc1") == first
    with pytest.raises(SessionNotFound, match="ambiguous"):
        await store.resolve_session_id("abc")
    with pytest.raises(SessionNotFound, match="zzz"):
        await store.resolve_session_id("zzz")


async def test_duplicate_session_id_is_a_store_error(
    store: SessionStore, new_session: NewSession
) -> None:
    await new_session(store, session_id="same")
    with pytest.raises(StoreError, match="same"):
        await new_session(store, session_id="same")


async def test_messages_keep_order_and_mask_keys(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store, kind="chat")
    await store.add_message(session_id, "user", "write tests for cart.py")
    await store.add_message(session_id, "assistant", "Done: 6 tests.")
    await store.add_message(session_id, "user", "my key is sk-proj-abcdefghijklmnopqrstuvwx")
    messages = await store.messages(session_id)
    assert [(m.seq, m.role) for m in messages] == [(1, "user"), (2, "assistant"), (3, "user")]
    assert messages[1].text == "Done: 6 tests."
    assert messages[2].text == "my key is sk-***"
    with pytest.raises(StoreError, match="role"):
        await store.add_message(session_id, "robot", "hi")
    with pytest.raises(SessionNotFound):
        await store.add_message("missing", "user", "hi")


async def test_files_keep_latest_version_and_known_hashes(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    first = await store.record_file(
        session_id, "tests/test_cart.py", "def test_a(): ...\n", tests=1
    )
    second = await store.record_file(
        session_id, "tests/test_cart.py", "def test_a(): ...\ndef test_b(): ...\n", tests=2
    )
    await store.record_file(session_id, Path("tests/test_tax.py"), "x = 1\n")
    files = await store.files(session_id)
    assert [(f.path, f.tests) for f in files] == [
        ("tests/test_cart.py", 2),
        ("tests/test_tax.py", 0),
    ]
    assert files[0].sha256 == second.sha256 == sha256_text(files[0].content)
    # Both versions came from Regoose in some session: the newer is on record.
    assert await store.known_file_hashes("tests/test_cart.py") == {second.sha256}
    other = await new_session(store)
    await store.record_file(other, "tests/test_cart.py", "def test_a(): ...\n")
    assert await store.known_file_hashes("tests/test_cart.py") == {first.sha256, second.sha256}


async def test_results_accept_records_events_and_tuples(
    store: SessionStore, new_session: NewSession
) -> None:
    session_id = await new_session(store)
    count = await store.record_results(
        session_id,
        [
            ("tests/t.py::test_a", "passed", 0.01, None),
            OutcomeEvent(nodeid="tests/t.py::test_b", outcome="failed", message="assert 1 == 2"),
            ResultRecord(session_id="ignored", nodeid="tests/t.py::test_c", outcome="skipped"),
        ],
    )
    assert count == 3
    results = await store.results(session_id)
    assert [(r.nodeid, r.outcome, r.session_id) for r in results] == [
        ("tests/t.py::test_a", "passed", session_id),
        ("tests/t.py::test_b", "failed", session_id),
        ("tests/t.py::test_c", "skipped", session_id),
    ]
    assert results[1].message == "assert 1 == 2"
    # A later run updates a node; replace=True forgets nodes no longer present.
    await store.record_results(session_id, [("tests/t.py::test_b", "passed", 0.02, None)])
    assert {r.nodeid: r.outcome for r in await store.results(session_id)}["tests/t.py::test_b"] == (
        "passed"
    )
    await store.record_results(
        session_id, [("tests/t.py::test_a", "error", 0, "boom")], replace=True
    )
    assert [(r.nodeid, r.outcome) for r in await store.results(session_id)] == [
        ("tests/t.py::test_a", "error")
    ]
    with pytest.raises(StoreError, match="outcome"):
        await store.record_results(session_id, [("x", "exploded", 0.0, None)])


async def test_delete_session_removes_every_row(
    store: SessionStore, new_session: NewSession, db_path: Path
) -> None:
    keep = await new_session(store)
    gone = await new_session(store)
    for session_id in (keep, gone):
        await store.add_message(session_id, "user", "hi")
        await store.record_file(session_id, "t.py", "x")
        await store.record_results(session_id, [("t.py::a", "passed", 0.0, None)])
        await store.append_event(OutcomeEvent(nodeid="t.py::a", outcome="passed"), session_id)
    await store.flush()
    await store.delete_session(gone)
    with pytest.raises(SessionNotFound):
        await store.get_session(gone)
    with pytest.raises(SessionNotFound):
        await store.delete_session(gone)
    with sqlite3.connect(db_path) as conn:
        for table in ("messages", "events", "files", "results"):
            rows = conn.execute(f"SELECT DISTINCT session_id FROM {table}").fetchall()
            assert rows == [(keep,)], table


async def test_reopen_keeps_data_and_schema_version(db_path: Path, new_session: NewSession) -> None:
    async with SessionStore.open(db_path) as store:
        session_id = await new_session(store)
        await store.finish_session(session_id, "passed", tests=3)
    store = await SessionStore.open(db_path)
    try:
        assert (await store.get_session(session_id)).tests == 3
    finally:
        await store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        await SessionStore.open(db_path)


async def test_a_file_that_is_not_a_database_is_a_store_error(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite at all, just text" * 100)
    with pytest.raises(StoreError, match="cannot open the session database"):
        await SessionStore.open(db_path)


async def test_closed_store_refuses_work(db_path: Path) -> None:
    store = await SessionStore.open(db_path)
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        await store.list_sessions()
