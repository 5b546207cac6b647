"""Results coming back from a container: the trailer split and the no-trust unpacking."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from regoose_tui.runtime.container.exec_io import TRAILER, ResultSplitter
from regoose_tui.runtime.container.transfer import TransferRefused, unpack_work_folder


def _tar(entries: list[tarfile.TarInfo], data: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for info in entries:
            payload = data.get(info.name)
            if payload is not None:
                info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return out.getvalue()


def _entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o644
    return info


def test_only_folders_and_regular_files_come_back(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    canary.write_text("keep")
    dest = tmp_path / "work"
    dest.mkdir()
    archive = _tar(
        [
            _entry("w", tarfile.DIRTYPE),
            _entry("w/junit.xml"),
            _entry("w/sub", tarfile.DIRTYPE),
            _entry("w/sub/data.json"),
            _entry("w/link", tarfile.SYMTYPE, str(canary)),
            _entry("w/hard", tarfile.LNKTYPE, "w/junit.xml"),
            _entry("w/fifo", tarfile.FIFOTYPE),
            _entry("w/../escape.txt"),
            _entry("/abs.txt"),
        ],
        {
            "w/junit.xml": b"<xml/>",
            "w/sub/data.json": b"{}",
            "w/../escape.txt": b"x",
            "/abs.txt": b"x",
        },
    )
    dropped = unpack_work_folder([archive], dest, max_bytes=1 << 20)
    assert sorted(os.listdir(dest)) == ["junit.xml", "sub"]
    assert (dest / "sub" / "data.json").read_bytes() == b"{}"
    assert {"w/link", "w/hard", "w/fifo", "w/../escape.txt"} <= set(dropped)
    assert not (tmp_path / "escape.txt").exists() and canary.read_text() == "keep"


def test_a_host_link_in_the_work_folder_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "work"
    dest.mkdir()
    (dest / "sub").symlink_to(outside)  # as if planted on the host side
    archive = _tar([_entry("w", tarfile.DIRTYPE), _entry("w/sub/x.txt")], {"w/sub/x.txt": b"x"})
    unpack_work_folder([archive], dest, max_bytes=1 << 20)
    assert list(outside.iterdir()) == []


def test_too_much_coming_back_is_refused(tmp_path: Path) -> None:
    big = _tar([_entry("w", tarfile.DIRTYPE), _entry("w/big")], {"w/big": b"x" * 100_000})
    with pytest.raises(TransferRefused, match="larger than"):
        unpack_work_folder([big], tmp_path, max_bytes=10_000)


def test_the_trailer_is_split_off_the_output_across_chunk_boundaries() -> None:
    splitter = ResultSplitter(cap=1 << 20)
    stream = b"hello\nworld" + TRAILER + b"0 1\n" + b"TARBYTES"
    plain = b"".join(splitter.feed(stream[i : i + 3]) for i in range(0, len(stream), 3))
    assert plain + splitter.flush() == b"hello\nworld"
    assert splitter.found and splitter.status() == (0, True)
    assert bytes(splitter.results) == b"TARBYTES"


def test_output_without_a_trailer_is_all_output() -> None:
    splitter = ResultSplitter(cap=1 << 20)
    text = b"no results here\x00\x00REG"
    assert splitter.feed(text) + splitter.flush() == text
    assert not splitter.found and splitter.status() == (None, False)


def test_results_past_the_cap_are_flagged() -> None:
    splitter = ResultSplitter(cap=10)
    splitter.feed(TRAILER + b"-9 0\n" + b"x" * 50)
    assert splitter.overflow and len(splitter.results) == 10
    assert splitter.status() == (-9, False)
