"""Where a run's files land in the container: a project holding the temp folder, big inputs."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import pytest

from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.container.exec_io import MAX_INLINE
from regoose_tui.runtime.container.runtime import ContainerRuntime

pytestmark = pytest.mark.containers

_READ = (
    "import hashlib, os, sys\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "print(hashlib.sha256(data).hexdigest())\n"
    "open('made.txt', 'w').write('made')\n"
)


def test_a_project_holding_the_temp_folder_runs_with_small_and_big_inputs(
    container_runtime: ContainerRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project is pytest's tmp_path and TMPDIR lies inside it (as under pytest): the
    work folder and the copied inputs land writable/readable on top of the project's
    read-only mount; inputs too big for a command line go in on stdin."""
    project = tmp_path / "project"
    inner_tmp = project / "tmp"
    inner_tmp.mkdir(parents=True)
    for folder in (project, inner_tmp):
        folder.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(inner_tmp))
    small = inner_tmp / "small.bin"
    small.write_bytes(b"tiny")
    big = inner_tmp / "big.bin"
    big.write_bytes(os.urandom(MAX_INLINE))  # base64 of it is past the inline cap

    def spec(source: Path) -> RunSpec:
        work = Path(tempfile.mkdtemp())
        return RunSpec(
            argv=[sys.executable, "-c", _READ, str(source)],
            project_dir=project,
            work_dir=work,
            read_only_paths=(source,),
            limits=Limits(wall_seconds=60),
        )

    async def scenario() -> None:
        import hashlib

        for source in (small, big, small):
            run = spec(source)
            result = await container_runtime.run(run)
            assert result.ok, result.stderr[-2000:]
            assert result.stdout.split() == [hashlib.sha256(source.read_bytes()).hexdigest()]
            assert (run.work_dir / "made.txt").read_text() == "made"
        assert container_runtime.pool().reused >= 2  # one key for all three: pooled

    asyncio.run(scenario())
