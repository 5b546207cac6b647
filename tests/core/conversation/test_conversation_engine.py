"""Turns that run the engine: generate (offline, bwrap), accept / reject, run, explain, export.

Real plan, agents, sandbox and store; the scripted provider only where the
test needs an exact suite (reject, a refused accept).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conversation_support import FAILING_TEST, ConversationFactory

from regoose_tui.bus.events import ChatWorkFinished, ChatWorkStarted
from regoose_tui.chat.intents import Generate
from regoose_tui.errors import FileExistsRefused
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.store.store import SessionStore

SCRIPTED_SUITE = """\
from shop.textutil import slugify


def test_slugify_joins_words_with_dashes():
    assert slugify("Hello, World!") == "hello-world"
"""


def _require_bwrap() -> None:
    available = BwrapRuntime.availability()
    if not available.usable:  # CI installs bubblewrap: a missing one is a broken machine
        pytest.fail(f"bubblewrap is required here: {available.reason}", pytrace=False)


def _scripted() -> ScriptedProvider:
    return ScriptedProvider(lambda request: SCRIPTED_SUITE)


@pytest.mark.slow
async def test_offline_generation_in_bwrap_proposes_a_suite_and_accept_writes_it(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    _require_bwrap()
    conversation, log = make_conversation(runtime="bwrap", budget=30)
    result = await conversation.send("write tests for shop/textutil.py")
    assert result.intent == Generate("shop/textutil.py") and result.error is None
    assert result.session_id is not None and conversation.last_session_id == result.session_id

    (started,) = log.of(ChatWorkStarted)
    (finished,) = log.of(ChatWorkFinished)
    assert (started.action, started.target) == ("generate", "shop/textutil.py")
    assert log.events.index(started) < log.events.index(finished)
    (suite,) = log.suites
    assert suite.block_id == result.session_id
    assert suite.path == "tests/test_shop_textutil.py"
    assert suite.tests > 0 and suite.passed == suite.tests and suite.failed == 0
    assert finished.passed == suite.passed and finished.failed == 0
    assert "def test_" in suite.code
    assert log.notices[0] == "Generating tests for shop/textutil.py…"
    summary = log.replies[-1]
    assert f"{suite.tests} tests, {suite.tests} passed" in summary
    assert "**Accept** writes `tests/test_shop_textutil.py`" in summary

    record = await store.get_session(result.session_id)
    assert (record.status, record.runtime, record.isolated) == ("passed", "bwrap", True)

    # Nothing is written until the user accepts.
    written = project / "tests" / "test_shop_textutil.py"
    assert not written.exists()
    assert await conversation.accept(suite.block_id) == written
    assert written.read_text(encoding="utf-8") == suite.code
    assert log.notices[-1] == f"Wrote tests/test_shop_textutil.py ({suite.tests} tests)."
    assert [Path(f.path) for f in await store.files(result.session_id)] == [written]
    assert await conversation.accept(suite.block_id) is None  # decided already

    messages = await store.messages(result.session_id)
    assert [(m.role, m.text) for m in messages] == [
        ("user", "write tests for shop/textutil.py"),
        ("assistant", summary),
    ]


async def test_reject_discards_the_suite_and_nothing_is_written(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    conversation, log = make_conversation(provider_factory=lambda name: _scripted())
    result = await conversation.send("/generate shop/textutil.py")
    assert result.error is None, log.notices
    (suite,) = log.suites
    assert suite.code.count("def test_") == 1
    assert await conversation.reject(suite.block_id)
    assert log.notices[-1] == "Discarded the tests for tests/test_shop_textutil.py."
    assert conversation.proposed == {}
    assert await conversation.accept(suite.block_id) is None
    assert not (project / "tests").exists()
    assert result.session_id is not None
    assert await store.files(result.session_id) == []


async def test_accept_never_overwrites_a_file_the_user_wrote(
    make_conversation: ConversationFactory, project: Path
) -> None:
    conversation, log = make_conversation(provider_factory=lambda name: _scripted())
    await conversation.send("/generate shop/textutil.py")
    (suite,) = log.suites
    mine = project / "tests" / "test_shop_textutil.py"
    mine.parent.mkdir()
    mine.write_text("# my own tests\n", encoding="utf-8")
    with pytest.raises(FileExistsRefused):
        await conversation.accept(suite.block_id)
    assert mine.read_text(encoding="utf-8") == "# my own tests\n"
    assert suite.block_id in conversation.proposed  # still there to retry after a fix
    mine.unlink()
    assert await conversation.accept(suite.block_id) == mine
    assert mine.read_text(encoding="utf-8") == suite.code


async def test_run_then_explain_then_export_in_bwrap(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    _require_bwrap()
    (project / "tests").mkdir()
    (project / "tests" / "test_cart_by_hand.py").write_text(FAILING_TEST, encoding="utf-8")
    conversation, log = make_conversation(runtime="bwrap")
    await conversation.send("/help")  # before any session: filed under the run's

    run = await conversation.send("run the tests")
    assert run.error is None, log.notices
    assert run.session_id is not None
    assert log.notices[-1].startswith("Running tests in bwrap")
    summary = log.replies[-1]
    assert "2 tests: **1 passed**, **1 failed**" in summary
    assert "`test_total_of_nothing_is_one`" in summary
    assert [f.name for f in conversation.failures] == [
        "tests/test_cart_by_hand.py::test_total_of_nothing_is_one"  # as pytest runs it from here
    ]

    await conversation.send("why did test_total_of_nothing_is_one fail?")
    explanation = log.replies[-1]
    assert explanation.startswith("**test_total_of_nothing_is_one** failed")
    assert "`1`" in explanation  # the expected value, from the assertion
    # Where it stopped, as the user finds the file (not from the sandbox's folder).
    assert re.search(r"It stopped at `tests/test_cart_by_hand\.py:\d+`", explanation), explanation

    await conversation.send("/explain test_nothing_like_it")
    assert log.replies[-1].startswith("No failed test called `test_nothing_like_it`")

    await conversation.send("/export json")
    report = project / f"regoose-report-{run.session_id}.json"
    assert log.notices[-1] == f"Exported {report.name}."
    data = json.loads(report.read_text(encoding="utf-8"))
    assert json.dumps(data).count("test_total_of_nothing_is_one") >= 1

    messages = await store.messages(run.session_id)
    said = [(m.role, m.text.splitlines()[0]) for m in messages]
    assert said == [
        ("user", "/help"),
        ("assistant", "**Commands**"),
        ("user", "run the tests"),
        ("assistant", summary.splitlines()[0]),
        ("user", "why did test_total_of_nothing_is_one fail?"),
        ("assistant", explanation.splitlines()[0]),
        ("user", "/explain test_nothing_like_it"),
        ("assistant", log.replies[-1].splitlines()[0]),
        ("user", "/export json"),
    ]


async def test_an_engine_turn_applies_the_runtime_settings_in_force(
    make_conversation: ConversationFactory, project: Path
) -> None:
    """The chat's runs are held to [runtime]'s limits (the CLI's are, through its flags)."""
    from regoose_tui.runtime.registry import configure, configured

    (project / "tests").mkdir()
    (project / "tests" / "test_cart_by_hand.py").write_text(FAILING_TEST, encoding="utf-8")
    conversation, log = make_conversation(runtime="local")
    conversation.host.change_settings(runtime__pids_limit=77, runtime__memory_mb=300)
    configure()  # whatever an earlier test left: the turn must set its own
    try:
        run = await conversation.send("/run")
        assert run.error is None, log.notices
        limits = configured().limits
        assert limits is not None
        assert limits.nproc == 77 and limits.memory_bytes == 300 * 1024**2
    finally:
        configure()
