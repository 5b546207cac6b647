"""filesystem.write_generated: safe_write's rule, confined to the root and announced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from regoose_tui.bus.events import Event, ToolCalled, ToolResulted
from regoose_tui.errors import FileExistsRefused
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.typed_errors import raise_for


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def tool(tmp_path: Path) -> tuple[FilesystemTool, list[Event]]:
    events: list[Event] = []
    return FilesystemTool(tmp_path, publish=events.append, session_id="s"), events


async def test_writes_a_new_file_with_its_folders(
    tool: tuple[FilesystemTool, list[Event]], tmp_path: Path
) -> None:
    files, events = tool
    result = await files.execute("write_generated", path="tests/unit/test_a.py", content="x = 1\n")
    assert result.ok, result.error
    assert (tmp_path / "tests" / "unit" / "test_a.py").read_text() == "x = 1\n"
    assert result.output == {
        "path": "tests/unit/test_a.py",
        "bytes": 6,
        "replaced": False,
        "sha256": _sha("x = 1\n"),
        # What `regoose undo` needs: nothing was there, and these folders were made.
        "previous_b64": None,
        "created_dirs": ["tests", "tests/unit"],
    }
    called, resulted = events
    assert isinstance(called, ToolCalled) and called.operation == "write_generated"
    assert isinstance(resulted, ToolResulted) and resulted.ok
    assert resulted.summary == "write_generated tests/unit/test_a.py"


async def test_refuses_a_user_file_with_safe_writes_exact_message(
    tool: tuple[FilesystemTool, list[Event]], tmp_path: Path
) -> None:
    files, events = tool
    mine = tmp_path / "test_a.py"
    mine.write_text("# my own tests\n")
    result = await files.execute(
        "write_generated", path="test_a.py", content="new", known_sha256=[_sha("other")]
    )
    assert not result.ok
    assert result.error == (
        f"{mine} already exists and was not written by Regoose: pass --force to overwrite"
    )
    assert result.output == {"path": "test_a.py", "error_type": "FileExistsRefused"}
    with pytest.raises(FileExistsRefused, match="pass --force to overwrite"):
        raise_for(result)
    assert mine.read_text() == "# my own tests\n"
    last = events[-1]
    assert isinstance(last, ToolResulted) and last.ok is False


async def test_replaces_its_own_earlier_output_or_anything_with_force(
    tool: tuple[FilesystemTool, list[Event]], tmp_path: Path
) -> None:
    files, _ = tool
    target = tmp_path / "test_a.py"
    target.write_text("old generated\n")
    result = await files.execute(
        "write_generated", path="test_a.py", content="v2\n", known_sha256=[_sha("old generated\n")]
    )
    assert result.ok and isinstance(result.output, dict)
    assert result.output["replaced"] is True
    assert target.read_text() == "v2\n"
    target.write_text("edited by the user\n")
    forced = await files.execute("write_generated", path="test_a.py", content="v3\n", force=True)
    assert forced.ok and target.read_text() == "v3\n"


async def test_never_writes_outside_the_root(
    tool: tuple[FilesystemTool, list[Event]], tmp_path: Path
) -> None:
    files, _ = tool
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    (tmp_path / "link.py").symlink_to(outside)
    for path in ("../escape.py", "link.py"):
        result = await files.execute("write_generated", path=path, content="x", force=True)
        assert not result.ok and "outside the tool root" in (result.error or "")
        assert result.output == {"path": path, "error_type": "TargetOutsideProject"}
    assert not outside.exists() and not (tmp_path.parent / "escape.py").exists()
