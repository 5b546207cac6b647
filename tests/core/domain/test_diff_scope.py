"""--diff REF: changed lines from a real git repository, mapped onto functions and methods."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from regoose_tui.domain.diff_scope import changed_lines, changed_names, parse_hunks
from regoose_tui.domain.scope_targets import resolve_scope
from regoose_tui.errors import UsageError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CART = '''"""A cart."""

RATE = 0.2


def tax(amount):
    return amount * RATE


class Cart:
    def __init__(self):
        self.items = []

    @property
    def size(self):
        return len(self.items)

    def total(self):
        return sum(self.items)
'''


def _git(repo: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "cart.py").write_text(CART)
    (tmp_path / "pkg" / "other.py").write_text("def same():\n    return 1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "start")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_an_edited_method_is_the_only_changed_name(repo: Path) -> None:
    cart = repo / "pkg" / "cart.py"
    _edit(cart, "return sum(self.items)", "return sum(self.items) + 0")
    lines = changed_lines("HEAD", [cart, repo / "pkg" / "other.py"])
    assert lines == {cart.resolve(): {19}}
    assert changed_names(cart.read_text(), lines[cart.resolve()]) == ("Cart.total",)


def test_a_decorator_line_belongs_to_its_function_and_module_code_to_none(repo: Path) -> None:
    cart = repo / "pkg" / "cart.py"
    _edit(cart, "    @property\n", "    @property  # cheap\n")
    _edit(cart, "RATE = 0.2", "RATE = 0.25")
    lines = changed_lines("HEAD", [cart])[cart.resolve()]
    assert changed_names(cart.read_text(), lines) == ("Cart.size",)


def test_a_deleted_line_marks_the_function_around_the_cut(repo: Path) -> None:
    cart = repo / "pkg" / "cart.py"
    _edit(cart, "self.items = []\n", "self.items = []\n        self.count = 0\n")
    _git(repo, "commit", "-qam", "count")
    _edit(cart, "        self.count = 0\n", "")  # the last line of __init__ goes
    lines = changed_lines("HEAD", [cart])[cart.resolve()]
    assert changed_names(cart.read_text(), lines) == ("Cart.__init__",)


def test_an_untracked_file_counts_as_changed_throughout(repo: Path) -> None:
    new = repo / "pkg" / "fresh.py"
    new.write_text("def a():\n    return 1\n\n\nclass B:\n    def c(self):\n        return 2\n")
    assert changed_lines("HEAD", [new]) == {new.resolve(): None}
    assert changed_names(new.read_text(), None) == ("a", "B.c")


def test_resolve_scope_skips_files_with_no_changed_function(repo: Path) -> None:
    _edit(repo / "pkg" / "cart.py", "return amount * RATE", "return round(amount * RATE, 2)")
    scope = resolve_scope(repo / "pkg", diff_ref="HEAD")
    assert [(t.path.name, t.only) for t in scope.targets] == [("cart.py", ("tax",))]
    assert [(p.name, why) for p, why in scope.skipped] == [
        ("other.py", "no function or method changed since HEAD")
    ]


def test_an_unknown_revision_is_one_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="git diff -U0 failed"):
        changed_lines("no-such-ref", [repo / "pkg" / "cart.py"])
    with pytest.raises(UsageError, match="not a git revision"):
        changed_lines("--output=/tmp/x", [repo / "pkg" / "cart.py"])


def test_outside_a_repository_git_says_so(tmp_path: Path) -> None:
    loose = tmp_path / "loose.py"
    loose.write_text("def f():\n    return 1\n")
    with pytest.raises(UsageError, match="git rev-parse"):
        changed_lines("HEAD", [loose])


def test_hunks_take_the_new_side_and_skip_deleted_files() -> None:
    diff = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -3,0 +4,2 @@\n+x\n+y\n@@ -10 +12 @@\n-a\n+b\n@@ -20,2 +21,0 @@\n-c\n-d\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
    )
    assert parse_hunks(diff, Path("/r")) == {Path("/r/m.py"): {4, 5, 12, 21, 22}}
