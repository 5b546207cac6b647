"""A chat generation stages its suite for review; apply / apply_without_review; /watch headless."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from conversation_support import ConversationFactory

from regoose_tui.chat.intents import StopWatch, Watch
from regoose_tui.engine.review import review_dir
from regoose_tui.engine.review_set import ReviewDecisions, load_review
from regoose_tui.engine.undo import undo_session
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.store.store import SessionStore

TWO_TESTS = """\
import pytest

from shop.textutil import slugify


def test_slugify_joins_words_with_dashes():
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_refuses_a_zero_max_length():
    with pytest.raises(ValueError):
        slugify("x", max_length=0)
"""

TEST_FILE = """\
from shop.textutil import slugify


def test_slugify_lowercases_and_joins_words():
    assert slugify("Hello, World!") == "hello-world"
"""


def _scripted() -> ScriptedProvider:
    return ScriptedProvider(lambda request: TWO_TESTS)


async def test_a_generation_stages_its_suite_and_a_review_writes_only_the_accepted_test(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    conversation, log = make_conversation(provider_factory=lambda name: _scripted())
    result = await conversation.send("/generate shop/textutil.py")
    assert result.error is None and result.session_id is not None, log.notices
    (suite,) = log.suites
    # Staged under the data dir, as `regoose generate` without --apply; the project is untouched.
    staged = review_dir(store, result.session_id) / "tests" / "test_shop_textutil.py"
    assert staged.read_text(encoding="utf-8") == suite.code
    assert not (project / "tests").exists()
    (proposal,) = await store.writes.proposals(result.session_id)
    assert Path(proposal.path) == project / "tests" / "test_shop_textutil.py"

    review = await load_review(store, result.session_id, project)
    (file,) = review.files
    assert [t.id for t in file.reviewable] == [
        "test_slugify_joins_words_with_dashes",
        "test_slugify_refuses_a_zero_max_length",
    ]
    decisions = ReviewDecisions()
    decisions.set_test(file, "test_slugify_refuses_a_zero_max_length", accepted=False)
    written = await conversation.apply_review(review, decisions)
    assert [(w.shown, w.accepted, w.rejected) for w in written] == [
        ("tests/test_shop_textutil.py", 1, 1)
    ]
    on_disk = (project / "tests" / "test_shop_textutil.py").read_text(encoding="utf-8")
    assert "test_slugify_joins_words_with_dashes" in on_disk
    assert "max_length=0" not in on_disk
    assert "import pytest" not in on_disk  # only the rejected test used it
    assert log.notices[-1] == (
        "Wrote tests/test_shop_textutil.py (1 test, 1 rejected). "
        f"To take it back: regoose undo {result.session_id}"
    )
    assert conversation.proposed == {}
    assert (await undo_session(store, result.session_id)).complete
    assert not (project / "tests").exists()


async def test_apply_without_review_writes_at_once_and_stages_nothing(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    conversation, log = make_conversation(provider_factory=lambda name: _scripted())
    conversation.host.change_settings(generate__apply_without_review=True)
    result = await conversation.send("/generate shop/textutil.py")
    assert result.error is None and result.session_id is not None, log.notices
    assert log.suites == []
    written = project / "tests" / "test_shop_textutil.py"
    content = written.read_text(encoding="utf-8")
    assert "def test_slugify_joins_words_with_dashes" in content
    assert "def test_slugify_refuses_a_zero_max_length" in content
    assert await store.writes.proposals(result.session_id) == []
    assert any("no review: generate.apply_without_review" in n for n in log.notices)
    assert (await undo_session(store, result.session_id)).complete


async def _until(condition: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]  # a Callable[[], bool]
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.05)


async def test_watch_reruns_on_save_with_a_summary_notice_and_stop_ends_it(
    make_conversation: ConversationFactory, project: Path
) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_textutil.py").write_text(TEST_FILE, encoding="utf-8")
    module = project / "shop" / "textutil.py"
    conversation, log = make_conversation()
    result = await conversation.send("/watch")
    assert result.intent == Watch(None) and result.error is None, log.notices
    assert log.notices[-1].startswith("Watching . in local — NOT ISOLATED")
    watching = conversation.watching
    assert watching is not None and watching.running
    original = module.read_text(encoding="utf-8")
    for attempt in range(20):  # the watcher listens a moment after it started
        module.write_text(original + f"\n# saved {attempt}\n", encoding="utf-8")
        try:
            await _until(lambda: watching.reruns > 0, within=20 if attempt else 3)
            break
        except AssertionError:
            continue
    summary = next(n for n in log.notices if n.startswith(("PASSED", "FAILED")))
    assert summary.startswith("PASSED textutil.py: 1 tests, 1 passed, 0 failed")
    stopped = await conversation.send("/watch stop")
    assert stopped.intent == StopWatch()
    assert not watching.running and conversation.watching is None
    assert log.notices[-1] == "Stopped watching . (1 rerun)."
    again = await conversation.send("/watch stop")
    assert again.error is None and log.notices[-1] == "Nothing is being watched."


async def test_cancel_stops_the_watch(make_conversation: ConversationFactory) -> None:
    conversation, log = make_conversation()
    await conversation.send("/watch shop")
    watching = conversation.watching
    assert watching is not None and watching.running
    assert conversation.cancel() is True
    await _until(lambda: not watching.running, within=10)
    assert log.notices[-1] == "Stopped watching shop (0 reruns)."
