"""A file shown in place of a project file (RunSpec.overlays): bwrap does it, the others refuse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from regoose_tui.errors import SandboxError
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime

_READ = "import sys; print(open(sys.argv[1]).read(), end='')"


def _spec(dirs: tuple[Path, Path], overlays: tuple[tuple[Path, Path], ...]) -> RunSpec:
    project, work = dirs
    return RunSpec(
        argv=[sys.executable, "-c", _READ, str(project / "tests" / "test_m.py")],
        project_dir=project,
        work_dir=work,
        limits=Limits(wall_seconds=30),
        overlays=overlays,
    )


@pytest.fixture
def joined(dirs: tuple[Path, Path]) -> tuple[Path, Path]:
    project, work = dirs
    (project / "tests").mkdir()
    theirs = project / "tests" / "test_m.py"
    theirs.write_text("the project's\n", encoding="utf-8")
    ours = work / "test_m.py"
    ours.write_text("joined\n", encoding="utf-8")
    return ours, theirs


async def test_bwrap_shows_the_overlay_in_place_and_leaves_the_file_alone(
    bwrap_runtime: BwrapRuntime, dirs: tuple[Path, Path], joined: tuple[Path, Path]
) -> None:
    ours, theirs = joined
    result = await bwrap_runtime.run(_spec(dirs, ((ours, theirs),)))
    assert (result.exit_code, result.stdout) == (0, "joined\n")
    assert theirs.read_text(encoding="utf-8") == "the project's\n"
    plain = await bwrap_runtime.run(_spec(dirs, ()))
    assert plain.stdout == "the project's\n"


async def test_local_refuses_an_overlay_and_an_overlay_must_replace_a_project_file(
    bwrap_runtime: BwrapRuntime, dirs: tuple[Path, Path], joined: tuple[Path, Path]
) -> None:
    ours, theirs = joined
    with pytest.raises(SandboxError, match="cannot show a file in place"):
        await LocalRuntime().run(_spec(dirs, ((ours, theirs),)))
    with pytest.raises(SandboxError, match="no such file to replace"):
        await bwrap_runtime.run(_spec(dirs, ((ours, theirs.with_name("test_x.py")),)))
    with pytest.raises(SandboxError, match="not a path the sandbox shows"):
        await bwrap_runtime.run(_spec(dirs, ((ours, ours),)))
