"""What a container run is planned to see: mounts, copies, masks, user, pool key."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from regoose_tui.runtime._allowlist import SandboxPolicy
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.container.layout import NOBODY, plan


def _spec(project: Path, work: Path, *read_only: Path) -> RunSpec:
    return RunSpec(
        argv=[sys.executable, "-c", "pass"],
        project_dir=project,
        work_dir=work,
        read_only_paths=read_only,
    )


def _dirs(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    work = tmp_path / "work"
    work.mkdir()
    return project, work


def test_the_project_and_interpreter_are_read_only_and_secrets_are_covered(
    tmp_path: Path,
) -> None:
    project, work = _dirs(tmp_path)
    (project / ".env").write_text("SECRET=1\n")
    layout = plan(_spec(project, work), Limits(), SandboxPolicy())
    targets = {b.target: b.source for b in layout.binds}
    assert str(project) in targets and str(project / ".env") in targets
    assert targets[str(project / ".env")] != str(project / ".env")  # an empty file over it
    assert str(Path(sys.prefix)) in targets or any(
        Path(sys.prefix).is_relative_to(t) for t in targets
    )
    assert "/tmp" in layout.scratch and str(work) not in targets
    assert layout.env["HOME"] == "/home/sandbox"
    expected_uid = NOBODY if os.getuid() == 0 else os.getuid()
    assert layout.uid == expected_uid


def test_staged_inputs_below_a_temp_folder_are_copied_not_mounted(tmp_path: Path) -> None:
    project, work = _dirs(tmp_path)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "req.json").write_text("{}")
    layout = plan(_spec(project, work, inputs), Limits(), SandboxPolicy())
    assert str(inputs) not in {b.target for b in layout.binds}
    assert layout.payloads  # packed for the bootstrap


def test_runs_of_one_engine_share_a_pool_key_whatever_their_work_folder(tmp_path: Path) -> None:
    project, work = _dirs(tmp_path)
    other = tmp_path / "work2"
    other.mkdir()
    one = plan(_spec(project, work), Limits(), SandboxPolicy())
    two = plan(_spec(project, other), Limits(), SandboxPolicy())
    assert one.key("img", "unix:///x") == two.key("img", "unix:///x")
    tighter = plan(_spec(project, work), Limits(memory_bytes=64 * 1024**2), SandboxPolicy())
    assert tighter.key("img", "unix:///x") != one.key("img", "unix:///x")


def test_a_temp_folder_inside_the_project_gets_a_volume_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest's tmp_path as the project, TMPDIR inside it: the project's read-only mount
    lies over the /tmp volume there, so the temp folder is a writable volume on top."""
    project, _ = _dirs(tmp_path)
    inner_tmp = project / "tmp"
    inner_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(inner_tmp))
    one = plan(_spec(project, Path(tempfile.mkdtemp())), Limits(), SandboxPolicy())
    two = plan(_spec(project, Path(tempfile.mkdtemp())), Limits(), SandboxPolicy())
    assert str(inner_tmp) in one.scratch and "/tmp" in one.scratch
    assert one.key("img", "unix:///x") == two.key("img", "unix:///x")  # still pooled


def test_a_work_folder_inside_the_project_is_a_volume_of_its_own(tmp_path: Path) -> None:
    project, _ = _dirs(tmp_path)
    work = project / "out"
    work.mkdir()
    layout = plan(_spec(project, work), Limits(), SandboxPolicy())
    assert str(work) in layout.scratch
