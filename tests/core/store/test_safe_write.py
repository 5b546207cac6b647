"""write_generated_file: atomic writes that never clobber a user's file."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from regoose_tui.errors import FileExistsRefused, StoreError
from regoose_tui.store.safe_write import (
    NotRegularFile,
    atomic_write_text,
    file_sha256,
    write_generated_file,
    write_generated_file_async,
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_creates_parent_dirs_and_writes_exact_bytes(tmp_path: Path) -> None:
    target = tmp_path / "tests" / "unit" / "test_cart.py"
    content = "def test_é():\r\n    assert True\n"
    assert write_generated_file(target, content, force=False, known_sha256=None) == target
    assert target.read_bytes() == content.encode("utf-8")
    # No temporary file is left beside it.
    assert sorted(p.name for p in target.parent.iterdir()) == ["test_cart.py"]


def test_refuses_a_user_file_with_a_one_line_message(tmp_path: Path) -> None:
    target = tmp_path / "test_cart.py"
    target.write_text("# my own tests\n")
    with pytest.raises(FileExistsRefused) as caught:
        write_generated_file(target, "new", force=False, known_sha256={_sha("other")})
    message = str(caught.value)
    assert str(target) in message and "pass --force to overwrite" in message
    assert "\n" not in message
    assert target.read_text() == "# my own tests\n"


def test_overwrites_a_file_regoose_wrote_and_nobody_edited(tmp_path: Path) -> None:
    target = tmp_path / "test_cart.py"
    write_generated_file(target, "v1\n", force=False, known_sha256=None)
    write_generated_file(target, "v2\n", force=False, known_sha256={_sha("v1\n")})
    assert target.read_text() == "v2\n"
    # Once the user edits it, its hash is no longer one Regoose knows.
    target.write_text("v2\n# edited\n")
    with pytest.raises(FileExistsRefused):
        write_generated_file(target, "v3\n", force=False, known_sha256={_sha("v1\n"), _sha("v2\n")})


def test_force_overwrites_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "test_cart.py"
    target.write_text("mine\n")
    target.chmod(0o640)
    write_generated_file(target, "generated\n", force=True, known_sha256=None)
    assert target.read_text() == "generated\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_umask_permissions_not_temp_file_ones(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = write_generated_file(tmp_path / "t.py", "x", force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_symlink_is_followed_and_guarded(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("user\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    with pytest.raises(FileExistsRefused, match=r"real\.py"):
        write_generated_file(link, "gen\n", force=False)
    write_generated_file(link, "gen\n", force=True)
    assert link.is_symlink() and real.read_text() == "gen\n"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("force", [False, True])
def test_an_existing_fifo_is_refused_without_opening_it(tmp_path: Path, force: bool) -> None:
    # Hashing a FIFO blocks until a writer comes (none will): refuse it in one line.
    target = tmp_path / "test_x.py"
    os.mkfifo(target)
    with pytest.raises(FileExistsRefused) as caught:
        write_generated_file(target, "x = 1\n", force=force, known_sha256={_sha("")})
    assert str(caught.value) == (
        f"{target} is a FIFO, not a regular file: cannot write a test file there"
    )
    assert stat.S_ISFIFO(target.lstat().st_mode)


@pytest.mark.timeout(20)
def test_file_sha256_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegularFile, match="is a FIFO"):
        file_sha256(tmp_path / "pipe")


def test_a_folder_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").mkdir()
    with pytest.raises(FileExistsRefused, match="folder"):
        write_generated_file(tmp_path / "test_x.py", "x", force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_folder_is_a_store_error_and_leaves_no_temp(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot write"):
            atomic_write_text(folder / "t.py", "x")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_write_that_fails_midway_keeps_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "t.py"
    target.write_text("old\n")
    # A file-size limit makes the real write fail halfway, as a full disk would.
    script = textwrap.dedent(
        """
        import resource, signal, sys
        from regoose_tui.store.safe_write import atomic_write_text
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        try:
            atomic_write_text(sys.argv[1], "x" * 100_000)
        except Exception as exc:
            print(type(exc).__name__, exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("StoreError cannot write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.py"]


def test_a_file_where_a_folder_should_be_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "tests").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder"):
        write_generated_file(tmp_path / "tests" / "test_x.py", "x", force=False)


async def test_async_variant_writes_from_a_thread(tmp_path: Path) -> None:
    target = await write_generated_file_async(tmp_path / "a" / "t.py", "ok\n", force=False)
    assert target.read_text() == "ok\n"
