"""safe_io on real files: what a sandboxed run could plant is refused, never followed or waited on."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from regoose_tui.runtime.safe_io import (
    UnsafeResultFile,
    private_folder,
    read_result_bytes,
    read_result_text_async,
    stage_file,
)

CANARY = b"canary bytes\n"


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "canary.txt"
    path.write_bytes(CANARY)
    return path


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_bytes(b"<testsuites/>")
    assert read_result_bytes(tmp_path / "junit.xml") == b"<testsuites/>"


def test_a_symlink_is_refused_whatever_it_points_at(tmp_path: Path, canary: Path) -> None:
    (tmp_path / "junit.xml").symlink_to(canary)
    with pytest.raises(UnsafeResultFile, match=r"^junit\.xml: result file is not a regular file"):
        read_result_bytes(tmp_path / "junit.xml")
    assert canary.read_bytes() == CANARY


@pytest.mark.timeout(20)
def test_a_link_to_dev_zero_and_a_fifo_are_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "probe_out.jsonl")
    with pytest.raises(UnsafeResultFile, match=r"coverage\.json: result file is not a regular"):
        read_result_bytes(tmp_path / "coverage.json")
    # No writer ever opens the FIFO: a blocking open would hang here until the timeout.
    with pytest.raises(UnsafeResultFile, match=r"probe_out\.jsonl: result file is not a regular"):
        read_result_bytes(tmp_path / "probe_out.jsonl", name="probe_out.jsonl")


def test_a_file_over_the_cap_is_refused_with_its_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * (2 * 1024**2 + 1))
    with pytest.raises(UnsafeResultFile, match=r"^report: result file is larger than 2 MB$"):
        read_result_bytes(tmp_path / "big", max_bytes=2 * 1024**2, name="report")
    assert len(read_result_bytes(tmp_path / "big", max_bytes=3 * 1024**2)) == 2 * 1024**2 + 1


def test_a_missing_result_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_result_bytes(tmp_path / "nothing")


@pytest.mark.timeout(20)
async def test_async_read_runs_in_a_worker_thread(tmp_path: Path) -> None:
    (tmp_path / "out.jsonl").write_text('{"done": true}\n')
    loop_thread = threading.get_ident()
    seen: list[int] = []
    original = os.read

    def spying_read(fd: int, size: int) -> bytes:
        seen.append(threading.get_ident())
        return original(fd, size)

    os.read = spying_read  # the real read, observed: which thread does it run on?
    try:
        text = await read_result_text_async(tmp_path / "out.jsonl")
    finally:
        os.read = original
    assert text == '{"done": true}\n'
    assert seen and loop_thread not in seen


def test_private_folders_are_fresh_and_only_ours(tmp_path: Path) -> None:
    first = private_folder(tmp_path, "run-")
    second = private_folder(tmp_path, "run-")
    assert first != second and first.parent == tmp_path
    assert stat.S_IMODE(first.stat().st_mode) == 0o700
    assert list(first.iterdir()) == []


def test_stage_file_never_writes_through_what_is_already_there(
    tmp_path: Path, canary: Path
) -> None:
    (tmp_path / "probe_req_1.json").symlink_to(canary)
    os.mkfifo(tmp_path / "probe_req_2.json")
    for name in ("probe_req_1.json", "probe_req_2.json"):
        with pytest.raises(FileExistsError):
            stage_file(tmp_path, name, b"{}")
    assert canary.read_bytes() == CANARY
    staged = stage_file(tmp_path, "probe_req_3.json", b'{"mode": "run"}')
    assert staged.read_bytes() == b'{"mode": "run"}'
    with pytest.raises(ValueError):
        stage_file(tmp_path, "../escape.json", b"{}")
