"""Review a staged session per file and per test; apply writes only the accepted ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.engine.review import stage_suite
from regoose_tui.engine.review_set import ReviewDecisions, apply_review, load_review, review_file
from regoose_tui.engine.suite_parts import split_suite
from regoose_tui.engine.undo import undo_session
from regoose_tui.errors import UsageError
from regoose_tui.store import SessionStore

SUITE = """\
import pytest

from shop.cart import Cart


@pytest.fixture
def cart():
    return Cart()


def test_empty(cart):
    assert cart.total() == 0


class TestAdd:
    def test_one(self, cart):
        cart.add("x", 1)
        assert cart.total() == 1

    def test_two(self, cart):
        cart.add("x", 2)
        assert cart.total() == 2
"""

OTHER = "def test_other():\n    assert True\n"


@pytest.fixture
async def store(tmp_path: Path):
    async with SessionStore.open(tmp_path / "data" / "sessions.db") as opened:
        yield opened


async def _staged(store: SessionStore, project: Path) -> str:
    session = await store.create_session(
        target=str(project / "shop" / "cart.py"), project=str(project), provider="offline",
        runtime="local",
    )  # fmt: skip
    for name, content in (("test_cart.py", SUITE), ("test_other.py", OTHER)):
        await stage_suite(
            store,
            session,
            destination=project / "tests" / name,
            root=project,
            content=content,
            tests=len(split_suite(content).leaves),
        )
    return session


async def test_reject_one_test_and_one_file_writes_exactly_the_rest_and_undo_takes_it_back(
    store: SessionStore, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    session = await _staged(store, project)
    review = await load_review(store, session, project)
    assert [f.shown for f in review.files] == ["tests/test_cart.py", "tests/test_other.py"]
    cart_file, other_file = review.files
    assert cart_file.current is None
    assert [t.id for t in cart_file.reviewable] == [
        "test_empty", "TestAdd", "TestAdd::test_one", "TestAdd::test_two",
    ]  # fmt: skip
    decisions = ReviewDecisions()
    decisions.set_test(cart_file, "TestAdd::test_two", accepted=False)
    decisions.set_file(other_file, accepted=False)
    assert decisions.leaves_kept(cart_file) == (2, 1)
    assert decisions.test_accepted(cart_file, "TestAdd")  # one method is still in
    assert not decisions.test_accepted(other_file, "test_other")

    written = await apply_review(store, review, decisions)
    assert [(w.shown, w.accepted, w.rejected) for w in written] == [("tests/test_cart.py", 2, 1)]
    on_disk = (project / "tests" / "test_cart.py").read_text(encoding="utf-8")
    assert [t.id for t in split_suite(on_disk).leaves] == ["test_empty", "TestAdd::test_one"]
    assert not (project / "tests" / "test_other.py").exists()

    result = await undo_session(store, session)
    assert result.complete
    assert sorted(p.name for p in project.iterdir()) == ["shop"]  # tests/ was ours too


async def test_a_class_decides_for_its_methods_and_accepting_one_brings_it_back(
    store: SessionStore, tmp_path: Path
) -> None:
    cart = review_file(tmp_path / "t.py", "t.py", None, SUITE)
    decisions = ReviewDecisions()
    decisions.set_test(cart, "TestAdd", accepted=False)
    assert not decisions.test_accepted(cart, "TestAdd::test_one")
    assert decisions.rejected(cart) == {"TestAdd", "TestAdd::test_one", "TestAdd::test_two"}
    assert decisions.toggle_test(cart, "TestAdd::test_one") is True
    assert decisions.test_accepted(cart, "TestAdd")
    assert decisions.rejected(cart) == {"TestAdd::test_two"}
    # Accepting one test of a rejected file keeps only that test of it.
    decisions.set_file(cart, accepted=False)
    decisions.set_test(cart, "test_empty", accepted=True)
    assert decisions.file_accepted(cart)
    assert [t.id for t in split_suite(cart.content(decisions.rejected(cart))).leaves] == [
        "test_empty"
    ]


def test_only_new_or_changed_tests_of_an_existing_file_are_asked_about(tmp_path: Path) -> None:
    current = "def test_empty():\n    assert True\n"
    proposed = current + "\n\nclass TestAdd:\n    def test_one(self):\n        assert 1\n"
    file = review_file(tmp_path / "t.py", "t.py", current, proposed)
    assert [t.id for t in file.reviewable] == ["TestAdd", "TestAdd::test_one"]
    diff = file.diff(set())
    assert diff.removed == 0 and diff.added == 5
    assert {line.text for line in diff.lines if line.kind == "added"} >= {"class TestAdd:"}
    # Rejecting the new class leaves the project's file as it is: nothing to write.
    assert file.content({"TestAdd"}) == current
    assert file.diff({"TestAdd"}).unchanged


async def test_a_session_that_staged_nothing_is_one_usage_error(
    store: SessionStore, tmp_path: Path
) -> None:
    session = await store.create_session(
        target="x.py", project="", provider="offline", runtime="local"
    )
    with pytest.raises(UsageError, match="staged no tests"):
        await load_review(store, session)
