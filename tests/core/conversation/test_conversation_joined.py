"""A chat generation joins the project's own test file, as `regoose generate` does.

Real plan, agents, sandbox (local) and store; the scripted provider gives an
exact suite so the joined file can be checked line by line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_support import ConversationFactory, EventLog

from regoose_tui.conversation.conversation import Conversation
from regoose_tui.domain.class_insert import ADDED_MARK
from regoose_tui.engine.review import apply_session
from regoose_tui.engine.review_set import ReviewDecisions, load_review
from regoose_tui.engine.undo import undo_session
from regoose_tui.errors import UsageError
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.store.safe_write import sha256_text
from regoose_tui.store.store import SessionStore

HOST = """\
from shop.textutil import slugify


def test_mine():
    assert slugify("Hello, World!") == "hello-world"
"""

SUITE = """\
import pytest

from shop.textutil import slugify, truncate


def test_slugify_refuses_a_zero_length():
    with pytest.raises(ValueError):
        slugify("x", max_length=0)


def test_truncate_keeps_short_text():
    assert truncate("short", 10) == "short"
"""

JOINED = (
    "import pytest\n\nfrom shop.textutil import slugify, truncate\n"
    + HOST.split("\n", 1)[1]
    + "\n\n"
    + ADDED_MARK.format(module="shop.textutil")
    + """
class TestTextutilAdded:
    def test_slugify_refuses_a_zero_length(self):
        with pytest.raises(ValueError):
            slugify("x", max_length=0)

    def test_truncate_keeps_short_text(self):
        assert truncate("short", 10) == "short"
"""
)


def _with_host(project: Path) -> Path:
    host = project / "tests" / "test_textutil.py"
    host.parent.mkdir()
    host.write_text(HOST, encoding="utf-8")
    return host


async def _joined(
    make_conversation: ConversationFactory, project: Path, *suites: str
) -> tuple[Path, Conversation, EventLog, str]:
    """The project's own test file, and a chat generation the scripted suites answer.

    Returns the host file, the conversation (to send again), its log and the first
    generation's session id; that generation succeeded.
    """
    host = _with_host(project)
    answers = iter(suites or (SUITE,))
    conversation, log = make_conversation(
        provider_factory=lambda name: ScriptedProvider(lambda request: next(answers))
    )
    result = await conversation.send("/generate shop/textutil.py")
    assert result.error is None and result.session_id is not None, log.notices
    return host, conversation, log, result.session_id


async def test_accept_writes_the_project_file_with_the_new_class_and_undo_restores_it(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    host, conversation, log, session = await _joined(make_conversation, project)
    (suite,) = log.suites
    # The project's own file is the destination, not a second file beside it.
    assert suite.path == "tests/test_textutil.py", log.notices
    assert suite.joins  # the chat block says the tests go into that file
    assert not (project / "tests" / "test_shop_textutil.py").exists()
    assert host.read_text(encoding="utf-8") == HOST  # nothing written before accept
    assert log.replies[-1].endswith(
        "**Accept** adds the tests to `tests/test_textutil.py` as new classes; "
        "**Reject** discards them."
    )

    assert await conversation.accept(suite.block_id) == host
    assert host.read_text(encoding="utf-8") == JOINED
    undone = await undo_session(store, session)
    assert undone.complete
    assert host.read_text(encoding="utf-8") == HOST


async def test_review_of_a_joined_file_asks_only_about_the_added_tests_and_writes_a_subset(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    host, conversation, _log, session = await _joined(make_conversation, project)

    review = await load_review(store, session, project)
    (file,) = review.files
    assert (file.shown, file.current, file.proposed) == ("tests/test_textutil.py", HOST, JOINED)
    # The project's own test is not asked about; the added class and its tests are.
    assert [t.id for t in file.reviewable] == [
        "TestTextutilAdded",
        "TestTextutilAdded::test_slugify_refuses_a_zero_length",
        "TestTextutilAdded::test_truncate_keeps_short_text",
    ]
    # Against the project's file: its from line gains a name, the rest is added.
    diff = file.diff(set())
    assert [line.text for line in diff.lines if line.kind == "removed"] == [
        "from shop.textutil import slugify"
    ]

    decisions = ReviewDecisions()
    decisions.set_test(file, "TestTextutilAdded::test_truncate_keeps_short_text", False)
    written = await conversation.apply_review(review, decisions)
    assert [(w.shown, w.accepted, w.rejected) for w in written] == [
        ("tests/test_textutil.py", 1, 1)
    ]
    # The rejected test is out, and so is the import name only it needed: the
    # project's from line is its own again; the mark stays above what is left.
    assert host.read_text(encoding="utf-8") == (
        "import pytest\n\n"
        + HOST
        + "\n\n"
        + ADDED_MARK.format(module="shop.textutil")
        + """
class TestTextutilAdded:
    def test_slugify_refuses_a_zero_length(self):
        with pytest.raises(ValueError):
            slugify("x", max_length=0)
"""
    )
    (stored,) = await store.files(session)
    assert stored.tests == 1  # the tests this session added, not the file's
    undone = await undo_session(store, session)
    assert undone.complete
    assert host.read_text(encoding="utf-8") == HOST


LATER = """\
from shop.textutil import truncate


def test_truncate_keeps_short_text():
    assert truncate("short", 10) == "short"


def test_truncate_cuts_long_text():
    assert truncate("The quick brown fox", 12) == "The quick…"
"""


async def test_a_second_generation_joins_the_block_again_and_undo_goes_back_one_session(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    host, conversation, log, first = await _joined(make_conversation, project, SUITE, LATER)
    assert await conversation.accept(first) == host
    assert host.read_text(encoding="utf-8") == JOINED

    second = await conversation.send("/generate shop/textutil.py")
    assert second.error is None and second.session_id is not None, log.notices
    suite = log.suites[-1]
    # The project's file again, not a separate file: the earlier block is extended.
    assert suite.path == "tests/test_textutil.py", log.notices
    assert await conversation.accept(second.session_id) == host
    after = host.read_text(encoding="utf-8")
    assert after == JOINED + (
        "\n    def test_truncate_cuts_long_text(self):\n"
        '        assert truncate("The quick brown fox", 12) == "The quick…"\n'
    )
    assert not (project / "tests" / "test_shop_textutil.py").exists()
    # The test the first session added is an existing test now: left out, not repeated.
    record = await store.get_session(second.session_id)
    assert record.tests == 1
    results = {r.nodeid: r.outcome for r in await store.results(second.session_id)}
    assert results["tests/test_textutil.py::TestTextutilAdded::test_truncate_cuts_long_text"] == (
        "passed"
    )

    assert (await undo_session(store, second.session_id)).complete
    assert host.read_text(encoding="utf-8") == JOINED
    assert (await undo_session(store, first)).complete
    assert host.read_text(encoding="utf-8") == HOST


async def test_after_a_partial_review_the_staged_copy_holds_only_what_was_accepted(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    host, conversation, _log, session = await _joined(make_conversation, project)
    review = await load_review(store, session, project)
    (file,) = review.files
    decisions = ReviewDecisions()
    decisions.set_test(file, "TestTextutilAdded::test_truncate_keeps_short_text", False)
    await conversation.apply_review(review, decisions)
    accepted = host.read_text(encoding="utf-8")
    assert "test_truncate_keeps_short_text" not in accepted

    # The staged copy and its record are what the review wrote, not the proposal.
    (proposal,) = await store.writes.proposals(session)
    assert Path(proposal.staged).read_text(encoding="utf-8") == accepted
    assert (proposal.sha256, proposal.tests) == (sha256_text(accepted), 1)
    # So `regoose apply SESSION` later (here after an undo) writes the accepted test only.
    assert (await undo_session(store, session)).complete
    assert host.read_text(encoding="utf-8") == HOST
    await apply_session(store, session)
    assert host.read_text(encoding="utf-8") == accepted


async def test_a_rejected_suite_leaves_nothing_for_apply(
    make_conversation: ConversationFactory, project: Path, store: SessionStore
) -> None:
    host, conversation, _log, session = await _joined(make_conversation, project)
    (proposal,) = await store.writes.proposals(session)
    assert await conversation.reject(session)
    assert await store.writes.proposals(session) == []
    assert not Path(proposal.staged).exists()
    with pytest.raises(UsageError, match="staged no tests"):
        await apply_session(store, session)
    assert host.read_text(encoding="utf-8") == HOST
