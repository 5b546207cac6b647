"""A real repository nobody here wrote: boltons' sdist, its own tests, in a git repo.

The sdist comes from the package index once (pip download, cached under the
user cache dir; REGOOSE_TEST_CACHE_DIR overrides it) and is put in a git repo
by the test. One of its test files is removed; Regoose generates for that
module with --apply: the file lands in the project's tests/ folder, the whole
suite still passes in the sandbox and covers more of the module than the
remaining suite did, `undo` restores the tree exactly, and a second --seed run
writes the very same bytes. In a second checkout, two modules of the package
(one --shard of it) run with --jobs 2: the one with a test file of its own gets
new classes in that file, the other a new file, the whole suite passes and
undo restores the tree. In a third, a bug is injected into one function (an
off-by-one the project's own test catches): a --diff run targets only that
function and the bug comes out as a strict xfail under "Suspected bugs". Each
checkout is shared by the tests of one fixture (one generation each). Without
the network the test fails, saying why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Result, run_regoose
from real_repos import checkout, git

PACKAGE, VERSION = "boltons", "26.2.0"
MODULE = "boltons/typeutils.py"
REMOVED = "tests/test_typeutils.py"
GENERATE = ("--seed", "1", "--budget", "120", "--iterations", "2", "--runtime", "bwrap")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _suite(root: Path, env: dict[str, str], module: str = MODULE) -> dict[str, Any]:
    """The project's whole suite in the sandbox, measuring the targeted module."""
    done = run_regoose(
        "run", "tests", "--project", str(root), "--cov", str(root / module),
        "--runtime", "bwrap", "--json", cwd=root, env=env,
    )  # fmt: skip
    assert done.code == 0, done.err[-2000:]
    return json.loads(done.out)


@dataclass
class Repository:
    root: Path
    env: dict[str, str]
    head: str
    before: dict[str, Any]
    generated: Result
    written: bytes
    after: dict[str, Any]


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Repository:
    base = tmp_path_factory.mktemp("real")
    root = checkout(base)
    git(root, "rm", "-q", REMOVED)
    git(root, "commit", "-q", "-m", f"without {REMOVED}")
    env = {"REGOOSE_DATA_DIR": str(base / "data")}
    before = _suite(root, env)
    generated = run_regoose(
        "generate", str(root / MODULE), "--apply", *GENERATE, "--json", cwd=root, env=env,
        timeout=600,
    )  # fmt: skip
    assert generated.code == 0, generated.err[-3000:]
    written = (root / REMOVED).read_bytes()
    after = _suite(root, env)
    return Repository(root, env, git(root, "rev-parse", "HEAD"), before, generated, written, after)


def test_the_new_file_lands_in_its_tests_folder_and_the_whole_suite_passes(
    repository: Repository,
) -> None:
    data = json.loads(repository.generated.out)
    assert data["tests_written"] == [str(repository.root / REMOVED)]
    assert git(repository.root, "status", "--porcelain") == f"?? {REMOVED}"
    before, after = repository.before, repository.after
    assert before["failed"] == 0 and after["failed"] == 0 and after["errors"] == 0
    assert after["passed"] == before["passed"] + data["tests"]
    # The module's coverage from its own remaining suite, then with Regoose's file added.
    assert after["line_coverage"] > (before["line_coverage"] or 0.0)


def test_a_second_seeded_run_writes_the_same_bytes(repository: Repository) -> None:
    again = run_regoose(
        "generate", str(repository.root / MODULE), *GENERATE, "--json", cwd=repository.root,
        env=repository.env, timeout=600,
    )  # fmt: skip
    assert again.code == 0, again.err[-3000:]
    [staged] = json.loads(again.out)["staged"]  # staged for review: the project is untouched
    assert Path(staged).read_bytes() == repository.written


def test_undo_restores_the_tree_exactly(repository: Repository) -> None:
    session = json.loads(repository.generated.out)["session_id"]
    undone = run_regoose("undo", session, env=repository.env)
    assert undone.code == 0, undone.err
    assert git(repository.root, "status", "--porcelain", "--ignored") == ""
    assert git(repository.root, "rev-parse", "HEAD") == repository.head


#: Two modules of the package, one shard of it: deprutils.py (no tests of its own)
#: and namedutils.py (tests/test_namedutils.py, which gets new classes).
SHARD = "3/15"
JOINED, NEW = "tests/test_namedutils.py", "tests/test_deprutils.py"


@dataclass
class Package:
    root: Path
    env: dict[str, str]
    data: dict[str, Any]
    original: str
    after: dict[str, Any]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    base = tmp_path_factory.mktemp("package")
    root = checkout(base)
    env = {"REGOOSE_DATA_DIR": str(base / "data")}
    original = (root / JOINED).read_text(encoding="utf-8")
    done = run_regoose(
        "generate", str(root / "boltons"), "--shard", SHARD, "--jobs", "2", "--apply",
        *GENERATE, "--json", cwd=root, env=env, timeout=800,
    )  # fmt: skip
    assert done.code == 0, done.err[-3000:]
    after = _suite(root, env, "boltons/namedutils.py")
    return Package(root, env, json.loads(done.out), original, after)


def test_a_shard_of_the_package_with_two_jobs_joins_the_projects_own_file(
    package: Package,
) -> None:
    from regoose_tui.domain.suite_edit import list_test_names

    data, root = package.data, package.root
    assert data["jobs"] == 2 and data["status"] == "passed", data["totals"]
    written = {Path(m["target"]).name: m["tests_written"] for m in data["modules"]}
    assert written == {"deprutils.py": [str(root / NEW)], "namedutils.py": [str(root / JOINED)]}
    status: dict[str, str] = {}
    for line in git(root, "status", "--porcelain").splitlines():
        code, path = line.split()
        status[path] = code
    assert status == {JOINED: "M", NEW: "??"}
    # The project's own file keeps every test of its own, byte for byte, and gains classes.
    joined = (root / JOINED).read_text(encoding="utf-8")
    mine, now = list_test_names(package.original), list_test_names(joined)
    assert now[: len(mine)] == mine and len(now) > len(mine)
    assert all("::" in name for name in now[len(mine) :])  # the new ones sit in classes
    assert "# Added by Regoose for boltons.namedutils" in joined
    assert "# Generated by Regoose" not in joined
    [named] = [m for m in data["modules"] if m["target"].endswith("namedutils.py")]
    baseline = named["baseline"]
    assert baseline["broken"] == [] and baseline["line_after"] > baseline["line_before"]
    # The project's whole suite, with both files, passes in the sandbox.
    assert package.after["failed"] == 0 and package.after["errors"] == 0


def test_undo_of_both_sessions_restores_the_tree_exactly(package: Package) -> None:
    for module in package.data["modules"]:
        undone = run_regoose("undo", module["session_id"], env=package.env)
        assert undone.code == 0, undone.err
    assert git(package.root, "status", "--porcelain", "--ignored") == ""


#: An off-by-one injected into clamp(): ``upper - 1`` (the project's own test sees it).
BUGGY = "boltons/mathutils.py"
RIGHT, WRONG = (
    "    return min(max(x, lower), upper)\n",
    "    return min(max(x, lower), upper - 1)\n",
)


@dataclass
class Injected:
    root: Path
    data: dict[str, Any]
    staged: str
    report: str


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> Injected:
    base = tmp_path_factory.mktemp("injected")
    root = checkout(base)
    source = (root / BUGGY).read_text(encoding="utf-8")
    assert source.count(RIGHT) == 1
    (root / BUGGY).write_text(source.replace(RIGHT, WRONG), encoding="utf-8")
    report = base / "report.md"
    once = tuple("1" if arg == "2" else arg for arg in GENERATE)  # one iteration is enough
    done = run_regoose(
        "generate", str(root / BUGGY), "--diff", "HEAD", *once, "--report", str(report),
        "--json", cwd=root, env={"REGOOSE_DATA_DIR": str(base / "data")}, timeout=600,
    )  # fmt: skip
    assert done.code == 0, done.err[-3000:]
    data = json.loads(done.out)
    [staged] = data["staged"]
    return Injected(root, data, Path(staged).read_text(encoding="utf-8"), report.read_text())


def test_a_diff_run_after_editing_one_function_targets_only_that_function(
    injected: Injected,
) -> None:
    names = [r["nodeid"] for r in injected.data["results"]]
    assert names and all(n.startswith("tests/test_mathutils.py::TestClamp::") for n in names)
    # Staged as new classes of the project's own tests/test_mathutils.py: its tests intact.
    from regoose_tui.domain.suite_edit import list_test_names

    own = (injected.root / "tests" / "test_mathutils.py").read_text(encoding="utf-8")
    mine = list_test_names(own)
    assert list_test_names(injected.staged)[: len(mine)] == mine
    body = own.split("\n\n", 1)[1]  # all but its import lines, which gain names
    assert body.rstrip() in injected.staged
    # Its style: ``from pytest import raises`` there, so ``raises(...)`` here.
    added = injected.staged.split("# Added by Regoose for boltons.mathutils", 1)[1]
    assert "pytest.raises(" not in added


def test_the_injected_bug_is_a_strict_xfail_in_suspected_bugs(injected: Injected) -> None:
    import ast

    bugs = injected.data["suspected_bugs"]
    assert bugs and all(bug["test"].startswith("TestClamp::") for bug in bugs)
    assert "Suspected bugs" in injected.report and bugs[0]["input"] in injected.report
    tree = ast.parse(injected.staged)
    [clamp] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TestClamp"]
    methods = {m.name: m for m in clamp.body if isinstance(m, ast.FunctionDef)}
    for bug in bugs:
        marked = methods[bug["test"].split("::")[1]]
        marker = " ".join(ast.unparse(d) for d in marked.decorator_list)
        assert "xfail" in marker and "strict=True" in marker, marker
        # The buggy result is not locked in as a passing assertion anywhere else.
        others = [m for m in methods.values() if m is not marked and not m.decorator_list]
        assert all(bug["input"] not in ast.unparse(m) for m in others)
    # Nor is any other value clamp() returns now (``clamp(1, upper=1) == 0`` is as wrong):
    # once its own docstring example disagrees, only its guard clauses are locked in.
    plain = [m for m in methods.values() if not m.decorator_list]
    assert all("raises(" in ast.unparse(m) for m in plain), [ast.unparse(m) for m in plain]
