"""--commit: the written tests on a branch of their own; the user's state never moves."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from regoose_tui.engine.commit import branch_name, commit_session
from regoose_tui.engine.git_branch import GitError, commit_files, open_repository
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.engine.review import write_into_project
from regoose_tui.engine.undo import undo_session
from regoose_tui.store import SessionStore

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "cart.py").write_text("def total():\n    return 0\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Dev")
    _git(root, "config", "user.email", "dev@example.com")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    # The user's own work in progress: a staged edit and an untracked file.
    (root / "shop" / "cart.py").write_text("def total():\n    return 1\n")
    _git(root, "add", "shop/cart.py")
    (root / "notes.txt").write_text("wip\n")
    return root


def _state(repo: Path) -> tuple[str, str, str, str]:
    return (
        _git(repo, "rev-parse", "HEAD"),
        _git(repo, "symbolic-ref", "HEAD"),
        _git(repo, "status", "--porcelain"),
        _git(repo, "diff", "--cached"),
    )


def test_commit_files_leaves_head_index_and_tree_alone(repo: Path) -> None:
    before = _state(repo)
    test_file = repo / "tests" / "test_cart.py"
    sha = commit_files(
        open_repository(repo),
        [(test_file, b"def test_total():\n    assert True\n")],
        "regoose/abc",
        "Regoose: 1 test",
    )
    assert _state(repo) == before
    assert _git(repo, "rev-parse", "refs/heads/regoose/abc") == sha
    assert _git(repo, "rev-parse", f"{sha}^") == before[0]
    assert _git(repo, "show", f"{sha}:tests/test_cart.py") == "def test_total():\n    assert True"
    # Only the test file: the user's staged edit of cart.py is not in the commit.
    assert _git(repo, "show", "--name-only", "--format=", sha) == "tests/test_cart.py"
    assert _git(repo, "show", f"{sha}:shop/cart.py") == "def total():\n    return 0"
    with pytest.raises(GitError, match="update-ref"):
        commit_files(open_repository(repo), [(test_file, b"x")], "regoose/abc", "again")


def test_not_a_repository_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not in a git repository"):
        open_repository(tmp_path)


async def test_commit_session_then_undo_takes_back_files_and_branch(
    repo: Path, tmp_path: Path
) -> None:
    async with SessionStore.open(tmp_path / "data" / "s.db") as store:
        session = await store.create_session(
            target=str(repo / "shop" / "cart.py"), project="", provider="offline", runtime="local"
        )
        untouched = _state(repo)
        written = repo / "tests" / "test_shop_cart.py"
        await write_into_project(store, session, written, "def test_a():\n    pass\n", tests=1,
                                 force=False)  # fmt: skip
        before = _state(repo)
        outcome = GenerationOutcome(
            session_id=session, provider="offline", runtime="local", isolated=False,
            target=repo / "shop" / "cart.py", module="shop.cart", status="passed",
            tests_written=(written,), tests=1, passed=1, failed=0, line_percent=87.5,
            branch_percent=75.0, wall_seconds=1.0, iterations=1,
        )  # fmt: skip
        branch, sha = await commit_session(store, outcome)
        assert branch == branch_name(session) == f"regoose/{session[:8]}"
        assert _state(repo) == before
        message = _git(repo, "log", "-1", "--format=%B", sha)
        assert message.startswith("Regoose: 1 test for shop.cart")
        assert "shop/cart.py" in message and "87.5% line" in message
        assert "- tests/test_shop_cart.py" in message
        result = await undo_session(store)
        assert result.complete, result.lines
        assert not written.exists()
        assert _git(repo, "branch", "--list", "regoose/*") == ""
        assert _state(repo) == untouched


def test_commit_message_gives_the_gain_over_the_projects_own_tests(tmp_path: Path) -> None:
    from regoose_tui.engine.baseline import CoverageDelta
    from regoose_tui.engine.commit import commit_message

    delta = CoverageDelta(
        files=(tmp_path / "tests" / "test_cart.py",), tests=3, failing_before=0,
        line_before=40.0, branch_before=25.0, line_after=95.5, branch_after=90.0,
    )  # fmt: skip
    outcome = GenerationOutcome(
        session_id="abcdef0123", provider="offline", runtime="bwrap", isolated=True,
        target=tmp_path / "shop" / "cart.py", module="shop.cart", status="passed",
        tests_written=(), tests=4, passed=4, failed=0, line_percent=95.5, branch_percent=90.0,
        wall_seconds=1.0, iterations=1, coverage_delta=delta,
    )  # fmt: skip
    message = commit_message(outcome, [tmp_path / "tests" / "test_shop_cart.py"], tmp_path)
    assert "line coverage of shop/cart.py: 40.0% -> 95.5% (+55.5 points)" in message
    assert "branch 25.0% -> 90.0% (+65.0)" in message
