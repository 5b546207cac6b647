"""FilesystemTool on a real temp tree: reads, atomic writes, listings and every refusal."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from regoose_tui.errors import TargetNotFound
from regoose_tui.tools import FilesystemTool


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A root with a few files, and a sibling "outside" folder holding a secret."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "src" / "pkg").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret\n")
    (root / "src" / "cart.py").write_text("def total(items):\n    return sum(items)\n")
    (root / "src" / "pkg" / "mod.py").write_text("X = 1\n")
    (root / "notes.md").write_text("héllo ✓\n", encoding="utf-8")
    (root / "link_out").symlink_to(outside, target_is_directory=True)
    (root / "secret_link.txt").symlink_to(outside / "secret.txt")
    (root / "inner_link.py").symlink_to(root / "src" / "cart.py")
    return root, outside


async def test_read_file_returns_text(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    fs = FilesystemTool(root)
    assert (await fs.execute("read_file", path="notes.md")).output == "héllo ✓\n"
    assert (await fs.execute("read_file", path="src/../src/cart.py")).text().startswith("def total")
    # A symlink that stays inside the root is fine.
    assert (await fs.execute("read_file", path="inner_link.py")).ok


@pytest.mark.parametrize(
    "path",
    [
        "../outside/secret.txt",
        "secret_link.txt",
        "link_out/secret.txt",
        "/etc/passwd",
        "src/../../outside/secret.txt",
    ],
)
async def test_paths_escaping_the_root_are_refused(tree: tuple[Path, Path], path: str) -> None:
    root, _ = tree
    fs = FilesystemTool(root)
    for operation, extra in (("read_file", {}), ("exists", {}), ("write_file", {"content": "x"})):
        result = await fs.execute(operation, path=path, **extra)
        assert not result.ok, (operation, path)
        assert result.error == f"path '{path}' is outside the tool root {root}"
    assert (tree[1] / "secret.txt").read_text() == "top secret\n"


async def test_binary_non_utf8_too_large_missing_and_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "big.txt").write_text("a" * 3000)
    (tmp_path / "dir").mkdir()
    fs = FilesystemTool(tmp_path, max_read_bytes=2048)

    async def error(path: str) -> str | None:
        return (await fs.execute("read_file", path=path)).error

    assert await error("image.png") == "image.png is a binary file, not text"
    assert await error("latin1.txt") == "latin1.txt is not UTF-8 text (bad byte at offset 3)"
    assert await error("big.txt") == "big.txt is 2.9 KB, over the 2.0 KB read limit"
    assert await error("missing.txt") == "missing.txt: no such file"
    assert await error("dir") == "dir is a folder, not a file"


async def test_write_file_creates_then_refuses_to_overwrite(tmp_path: Path) -> None:
    fs = FilesystemTool(tmp_path)
    created = await fs.execute("write_file", path="tests/new/test_cart.py", content="x = 1\n")
    assert created.ok
    assert created.output == {"path": "tests/new/test_cart.py", "bytes": 6, "replaced": False}
    target = tmp_path / "tests" / "new" / "test_cart.py"
    assert target.read_text() == "x = 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644

    refused = await fs.execute("write_file", path="tests/new/test_cart.py", content="BAD")
    assert not refused.ok
    assert refused.error == (
        "tests/new/test_cart.py already exists; pass overwrite=true to replace it"
    )
    assert target.read_text() == "x = 1\n"
    # No temp file is left next to the target, whatever happened.
    assert sorted(p.name for p in target.parent.iterdir()) == ["test_cart.py"]


async def test_overwrite_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old\n")
    target.chmod(0o755)
    inode_before = target.stat().st_ino
    fs = FilesystemTool(tmp_path)
    result = await fs.execute("write_file", path="script.sh", content="new ✓\n", overwrite=True)
    assert result.ok and result.output == {"path": "script.sh", "bytes": 8, "replaced": True}
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    # A rename puts a new inode in place: the old file was never written half-way.
    assert target.stat().st_ino != inode_before
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.sh"]


async def test_write_to_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    result = await FilesystemTool(tmp_path).execute(
        "write_file", path="d", content="x", overwrite=True
    )
    assert result.error == "d is a folder; cannot write a file there"


async def test_list_dir_exists_and_glob(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    fs = FilesystemTool(root)
    listing = (await fs.execute("list_dir")).data()
    assert listing["path"] == "."
    assert [(e["name"], e["type"]) for e in listing["entries"]] == [
        ("inner_link.py", "symlink"),
        ("link_out", "symlink"),
        ("notes.md", "file"),
        ("secret_link.txt", "symlink"),
        ("src", "dir"),
    ]
    notes = next(e for e in listing["entries"] if e["name"] == "notes.md")
    assert notes["size"] == len("héllo ✓\n".encode())
    assert (
        await fs.execute("list_dir", path="notes.md")
    ).error == "notes.md is a file, not a folder"
    assert (await fs.execute("list_dir", path="nope")).error == "nope: no such folder"

    assert (await fs.execute("exists", path="src")).output == {
        "path": "src",
        "exists": True,
        "type": "dir",
    }
    assert (await fs.execute("exists", path="src/cart.py")).data()["type"] == "file"
    assert (await fs.execute("exists", path="gone.py")).output == {
        "path": "gone.py",
        "exists": False,
        "type": None,
    }

    found = (await fs.execute("glob", pattern="**/*.py")).data()
    assert found["matches"] == ["inner_link.py", "src/cart.py", "src/pkg/mod.py"]
    assert not found["truncated"]
    # Matches reached through a link out of the root are hidden.
    assert (await fs.execute("glob", pattern="*/*.txt")).data()["matches"] == []
    assert (await fs.execute("glob", pattern="*.txt")).data()["matches"] == []
    limited = (await fs.execute("glob", pattern="**/*.py", max_results=1)).data()
    assert len(limited["matches"]) == 1 and limited["truncated"]
    for pattern in ("../outside/*", "/etc/*"):
        refused = await fs.execute("glob", pattern=pattern)
        assert refused.error == f"glob pattern '{pattern}' must stay inside the root"


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(TargetNotFound, match="is not a directory"):
        FilesystemTool(tmp_path / "missing")


@pytest.mark.timeout(20)
async def test_reads_do_not_block_the_event_loop(tmp_path: Path) -> None:
    # Opening a FIFO blocks until a writer comes: it is refused without waiting
    # for one (no writer ever comes here), and the loop keeps running meanwhile.
    os.mkfifo(tmp_path / "pipe")
    fs = FilesystemTool(tmp_path)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    before = ticks
    result = await asyncio.wait_for(fs.execute("read_file", path="pipe"), timeout=5)
    await asyncio.sleep(0.01)
    beating.cancel()
    assert result.error == "pipe is not a regular file"
    assert ticks > before


class _SwappingTool(FilesystemTool):
    """The real tool, with a folder swapped for a symlink right after each path check.

    That is the window a resolve-then-open tool leaves open to another process
    (a sandboxed run writing the same folder): the swap happens exactly there.
    """

    def __init__(self, root: Path, folder: str, outside: Path) -> None:
        super().__init__(root)
        self.folder, self.outside = folder, outside

    def resolve(self, path: str) -> Path:
        resolved = super().resolve(path)
        victim = self.root / self.folder
        if victim.is_dir() and not victim.is_symlink():
            victim.rename(self.root / f"{self.folder}.old")
            victim.symlink_to(self.outside, target_is_directory=True)
        return resolved


@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_folder_swapped_for_a_symlink_after_the_check_is_not_written_through(
    tmp_path: Path, overwrite: bool
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_cart.py").write_text("mine\n")
    outside.mkdir()
    (outside / "test_cart.py").write_text("canary\n")
    tool = _SwappingTool(root, "tests", outside)
    result = await tool.execute(
        "write_file", path="tests/test_cart.py", content="EVIL\n", overwrite=overwrite
    )
    assert not result.ok
    assert result.error is not None and "changed while in use" in result.error
    assert (outside / "test_cart.py").read_text() == "canary\n"
    assert sorted(p.name for p in outside.iterdir()) == ["test_cart.py"]


async def test_a_read_through_a_folder_swapped_after_the_check_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "src").mkdir(parents=True)
    (root / "src" / "cart.py").write_text("X = 1\n")
    outside.mkdir()
    (outside / "cart.py").write_text("secret\n")
    result = await _SwappingTool(root, "src", outside).execute("read_file", path="src/cart.py")
    assert not result.ok and result.error is not None and "changed while in use" in result.error
