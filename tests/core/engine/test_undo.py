"""regoose undo: exactly what a session wrote comes back out, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.engine.review import apply_session, stage_suite, write_into_project
from regoose_tui.engine.undo import undo_session
from regoose_tui.errors import FileExistsRefused, UsageError
from regoose_tui.store import SessionStore


@pytest.fixture
async def store(tmp_path: Path):
    async with SessionStore.open(tmp_path / "data" / "sessions.db") as opened:
        yield opened


async def _session(store: SessionStore) -> str:
    return await store.create_session(
        target="shop/cart.py", project="", provider="offline", runtime="local"
    )


async def test_a_new_file_and_its_new_folders_are_removed(store: SessionStore, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    session = await _session(store)
    target = project / "tests" / "unit" / "test_cart.py"
    await write_into_project(
        store, session, target, "def test_a():\n    pass\n", tests=1, force=False
    )
    assert target.is_file()
    result = await undo_session(store)
    assert result.session_id == session and result.complete
    assert [line.action for line in result.lines] == ["removed"]
    assert list(project.iterdir()) == []  # tests/ and tests/unit/ were the session's too


async def test_a_replaced_file_gets_its_previous_bytes_back(store: SessionStore, tmp_path: Path):
    target = tmp_path / "tests" / "test_cart.py"
    target.parent.mkdir()
    old = b"# mine\r\ndef test_old():\n    assert 1\n\xff"
    target.write_bytes(old)
    target.chmod(0o640)
    session = await _session(store)
    await write_into_project(store, session, target, "# new\n", tests=1, force=True)
    assert target.read_text() == "# new\n"
    result = await undo_session(store, session[:5])
    assert result.complete and result.lines[0].action == "restored"
    assert target.read_bytes() == old
    assert target.stat().st_mode & 0o777 == 0o640


async def test_a_file_changed_since_is_left_alone_with_one_line(
    store: SessionStore, tmp_path: Path
):
    first = tmp_path / "tests" / "test_a.py"
    second = tmp_path / "tests" / "test_b.py"
    session = await _session(store)
    await write_into_project(store, session, first, "a = 1\n", tests=1, force=False)
    await write_into_project(store, session, second, "b = 1\n", tests=1, force=False)
    first.write_text("a = 1\n# my edit\n")
    result = await undo_session(store, session)
    assert not result.complete
    by_path = {Path(line.path).name: line for line in result.lines}
    assert by_path["test_a.py"].action == "left-alone"
    assert "changed since" in by_path["test_a.py"].detail
    assert by_path["test_b.py"].action == "removed"
    assert first.read_text() == "a = 1\n# my edit\n" and not second.exists()
    # The folder still holds the user's file: it stays.
    assert first.parent.is_dir()


async def test_undo_defaults_to_the_last_writing_session_and_never_twice(
    store: SessionStore, tmp_path: Path
):
    older, newer = await _session(store), await _session(store)
    a, b = tmp_path / "test_a.py", tmp_path / "test_b.py"
    await write_into_project(store, older, a, "a\n", tests=1, force=False)
    await write_into_project(store, newer, b, "b\n", tests=1, force=False)
    assert (await undo_session(store)).session_id == newer
    assert a.exists() and not b.exists()
    assert (await undo_session(store)).session_id == older
    assert not a.exists()
    with pytest.raises(UsageError, match="nothing to undo"):
        await undo_session(store)


async def test_a_symlink_put_in_place_of_the_file_is_left_alone(
    store: SessionStore, tmp_path: Path
):
    target = tmp_path / "test_a.py"
    session = await _session(store)
    await write_into_project(store, session, target, "a\n", tests=1, force=False)
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text("a\n")  # the very bytes the session wrote, behind a link
    target.unlink()
    target.symlink_to(elsewhere)
    result = await undo_session(store)
    assert result.lines[0].action == "left-alone"
    assert target.is_symlink() and elsewhere.read_text() == "a\n"


async def test_writing_one_path_twice_undoes_to_before_the_session(
    store: SessionStore, tmp_path: Path
):
    target = tmp_path / "test_a.py"
    target.write_text("original\n")
    session = await _session(store)
    await write_into_project(store, session, target, "one\n", tests=1, force=True)
    await write_into_project(store, session, target, "two\n", tests=1, force=False)
    assert (await undo_session(store)).complete
    assert target.read_text() == "original\n"


async def test_staged_suite_applies_as_reviewed_and_undoes(store: SessionStore, tmp_path: Path):
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    session = await _session(store)
    destination = project / "tests" / "test_cart.py"
    staged = await stage_suite(
        store,
        session,
        destination=destination,
        root=project,
        content="def test_a():\n    pass\n\n\ndef test_b():\n    pass\n",
        tests=2,
    )
    assert staged == tmp_path / "data" / "review" / session / "tests" / "test_cart.py"
    assert not destination.exists()
    staged.write_text("def test_a():\n    pass\n")  # the review dropped a test
    applied = await apply_session(store, None)
    assert [r.path for r in applied.receipts] == [destination]
    assert destination.read_text() == "def test_a():\n    pass\n"
    assert (await undo_session(store)).complete
    assert not destination.exists() and (project / "tests").is_dir()


async def test_apply_never_overwrites_a_users_file(store: SessionStore, tmp_path: Path):
    destination = tmp_path / "tests" / "test_cart.py"
    destination.parent.mkdir()
    destination.write_text("# the user's\n")
    session = await _session(store)
    await stage_suite(
        store, session, destination=destination, root=tmp_path, content="x\n", tests=1
    )
    with pytest.raises(FileExistsRefused):
        await apply_session(store, session)
    assert destination.read_text() == "# the user's\n"
    with pytest.raises(UsageError, match="nothing to apply"):
        await apply_session(store, await _session(store))


async def test_a_class_added_to_the_projects_file_comes_out_and_later_edits_stay(
    store: SessionStore, tmp_path: Path
):
    from regoose_tui.domain.class_insert import insert_suite
    from regoose_tui.store.safe_write import sha256_text

    target = tmp_path / "tests" / "test_cart.py"
    target.parent.mkdir()
    own = "from shop.cart import Cart\n\n\ndef test_total():\n    assert Cart().total() == 0\n"
    target.write_text(own)
    suite = "from shop.cart import Cart, parse\n\n\nclass TestParse:\n    def test_p(self):\n        assert parse('1') == 1\n"
    joined = insert_suite(own, suite, "shop.cart")
    assert joined is not None
    session = await _session(store)
    # Only while the file still holds the bytes the join was computed from.
    with pytest.raises(FileExistsRefused):
        await write_into_project(
            store, session, target, joined.text, tests=1, force=False, base_sha256="0" * 64
        )
    await write_into_project(
        store, session, target, joined.text, tests=1, force=False, base_sha256=sha256_text(own)
    )
    assert "class TestParse" in target.read_text()
    target.write_text(target.read_text().replace("== 0\n", "== 0  # checked by hand\n"))
    result = await undo_session(store, session)
    assert result.complete and result.lines[0].action == "restored"
    assert target.read_text() == own.replace("== 0\n", "== 0  # checked by hand\n")


async def test_a_staged_join_applies_only_over_the_bytes_it_was_made_from(
    store: SessionStore, tmp_path: Path
):
    from regoose_tui.store.safe_write import sha256_text

    target = tmp_path / "tests" / "test_cart.py"
    target.parent.mkdir()
    target.write_text("def test_mine():\n    pass\n")
    joined = "def test_mine():\n    pass\n\n\n# Added by Regoose for cart\nclass TestX:\n    pass\n"
    session = await _session(store)
    await stage_suite(
        store, session, destination=target, root=tmp_path, content=joined, tests=1,
        base_sha256=sha256_text(target.read_text()),
    )  # fmt: skip
    await apply_session(store, session)
    assert target.read_text() == joined
    assert (await undo_session(store, session)).complete
    assert target.read_text() == "def test_mine():\n    pass\n"
    other = await _session(store)
    await stage_suite(
        store, other, destination=target, root=tmp_path, content=joined, tests=1,
        base_sha256=sha256_text(target.read_text()),
    )  # fmt: skip
    target.write_text("def test_mine():\n    assert True\n")  # edited before the apply
    with pytest.raises(FileExistsRefused):
        await apply_session(store, other)
