"""One way to show a path, one name for a test: relative to the project root."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.domain.display import rebase_frame, rebase_frames, shown_path, shown_paths
from regoose_tui.domain.test_identity import name_in_file, project_node_id, rebase_node_id


def test_a_path_inside_the_project_is_relative_and_outside_absolute(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    assert shown_path(project / "tests" / "test_a.py", project) == "tests/test_a.py"
    assert shown_path(project, project) == "."
    assert shown_path(tmp_path / "elsewhere.py", project) == str(tmp_path / "elsewhere.py")
    # ``..`` folds without touching the disk, so a sibling with a shared prefix is outside.
    assert shown_path(project / "sub" / ".." / "a.py", project) == "a.py"
    assert shown_path(tmp_path / "proj2" / "a.py", project) == str(tmp_path / "proj2" / "a.py")
    assert shown_path(tmp_path / "a.py", None) == str(tmp_path / "a.py")
    assert shown_path("shop/cart.py", project) == "shop/cart.py"  # relative already


def test_several_paths_are_each_shown(tmp_path: Path) -> None:
    joined = f"{tmp_path / 'p' / 'tests'} {tmp_path / 'other.py'}"
    assert shown_paths(joined, tmp_path / "p") == f"tests {tmp_path / 'other.py'}"


def test_a_sandbox_frame_is_rebased_on_the_project() -> None:
    project = Path("/home/u/newbie/examples")
    # The chat once showed this for the project's tests/test_fail_demo.py.
    assert rebase_frame("../newbie/examples/tests/test_fail_demo.py", project) == (
        "tests/test_fail_demo.py"
    )
    assert rebase_frame("/home/u/newbie/examples/shop/cart.py", project) == "shop/cart.py"
    assert rebase_frame("../../lib/python3/site.py", project) == "../../lib/python3/site.py"
    text = (
        "    def test_x():\n>       assert 1 == 2\nE       assert 1 == 2\n\n"
        "../newbie/examples/tests/test_fail_demo.py:5: AssertionError"
    )
    rebased = rebase_frames(text, project)
    assert rebased.endswith("\ntests/test_fail_demo.py:5: AssertionError")
    assert rebased.splitlines()[:3] == text.splitlines()[:3]


def test_node_ids_name_the_written_file_from_the_project_root(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    written = project / "tests" / "test_calc.py"
    sandbox_id = "/tmp/regoose-session-x/iteration1/check1/test_calc.py::TestA::test_b[1-a::b]"
    assert rebase_node_id(sandbox_id, written, project) == (
        "tests/test_calc.py::TestA::test_b[1-a::b]"
    )
    assert rebase_node_id("/tmp/x/test_calc.py", written, project) == "tests/test_calc.py"
    assert name_in_file("test_b") == "test_b"
    assert name_in_file("<module>") == ""
    assert project_node_id(written, project, "test_b") == "tests/test_calc.py::test_b"
    outside = tmp_path / "out" / "test_calc.py"
    assert project_node_id(outside, project, "test_b") == f"{outside}::test_b"
