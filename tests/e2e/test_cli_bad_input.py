"""Every bad input: one clear line on stderr, exit 2, nothing written, session failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = {
    "syntax": ("broken.py", b"def f(:\n    return 1\n", "broken.py:1: syntax error"),
    "binary": ("blob.py", b"\x7fELF\x00\x00\x01\x02" * 64, "binary file"),
    "empty": ("empty.py", b"", "file is empty"),
    "latin1": ("legacy.py", "name = 'café'\n".encode("latin-1"), "not valid UTF-8"),
    "import_raises": (
        "boom.py",
        b"raise RuntimeError('no config')\n\ndef f():\n    return 1\n",
        "importing boom failed: RuntimeError: no config",
    ),
    "import_hangs": (
        "slow.py",
        b"import time\ntime.sleep(600)\n\ndef f():\n    return 1\n",
        "did not finish in",
    ),
    "not_python": ("notes.txt", b"hello\n", "not a Python file"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_target_is_one_line_exit_2_and_recorded(case: str, tmp_path: Path, regoose) -> None:
    name, content, message = CASES[case]
    project = tmp_path / "proj"
    project.mkdir()
    (project / name).write_bytes(content)
    result = regoose(
        "generate", str(project / name), "--runtime", "local", "--budget", "6", timeout=120
    )
    assert result.code == 2, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("regoose:")]
    assert len(lines) == 1 and message in lines[0], result.err
    assert "Traceback" not in result.err
    assert sorted(p.name for p in project.iterdir()) == [name]  # nothing written
    listing = regoose("sessions", "list", "--json")
    sessions = json.loads(listing.out)
    if case in ("not_python",):
        return
    assert sessions[0]["status"] == "error"
    assert message.split(":")[0] in (sessions[0]["reason"] or "")


def test_missing_path(tmp_path: Path, regoose) -> None:
    result = regoose("generate", str(tmp_path / "nope.py"))
    assert result.code == 2
    assert result.err.strip().endswith("nope.py: no such file")


def test_file_outside_project(tmp_path: Path, regoose) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "other.py").write_text("def f():\n    return 1\n")
    result = regoose("generate", str(tmp_path / "other.py"), "--project", str(tmp_path / "proj"))
    assert result.code == 2
    assert "is outside the project" in result.err


def test_usage_errors_exit_2_without_traceback(tmp_path: Path, regoose) -> None:
    for args in (
        ("generate",),
        ("generate", "x.py", "--iterations", "0"),
        ("generate", "x.py", "--runtime", "vm"),
        ("frobnicate",),
    ):
        result = regoose(*args)
        assert result.code == 2, args
        assert "Traceback" not in result.err
        assert result.err.startswith("regoose: usage error") or "usage" in result.err


def test_unknown_report_suffix_is_refused_before_work(tmp_path: Path, regoose) -> None:
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    result = regoose("generate", str(tmp_path / "m.py"), "--report", str(tmp_path / "r.pdf"))
    assert result.code == 2
    assert ".md, .json or .xml" in result.err


def test_bad_out_and_report_paths_fail_before_any_work(tmp_path: Path, regoose) -> None:
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x + 1\n")
    (tmp_path / "afile").write_text("")
    out = regoose("generate", str(tmp_path / "m.py"), "--out", str(tmp_path / "afile" / "sub"))
    assert out.code == 2 and "cannot create the output folder" in out.err
    report = regoose(
        "generate", str(tmp_path / "m.py"), "--report", str(tmp_path / "afile" / "r.json")
    )
    assert report.code == 2 and "cannot create its folder" in report.err
    assert not (tmp_path / "tests").exists()


def test_two_targets_with_one_file_name_never_overwrite_each_other(tmp_path: Path, regoose) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.py").write_text("def inc(x: int) -> int:\n    return x + 1\n")
    (tmp_path / "a_b.py").write_text("def dec(x: int) -> int:\n    return x - 1\n")
    first = regoose(
        "generate",
        str(tmp_path / "a" / "b.py"),
        "--project",
        str(tmp_path),
        "--budget",
        "20",
        "--apply",
    )
    assert first.code == 0, first.err
    written = tmp_path / "tests" / "test_a_b.py"
    before = written.read_text()
    second = regoose("generate", str(tmp_path / "a_b.py"), "--budget", "20", "--apply")
    assert second.code == 2 and "tests for another module (a.b)" in second.err
    assert written.read_text() == before
