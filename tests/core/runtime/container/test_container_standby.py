"""docker and podman cannot hand a job to a started command: harness jobs run one-shot.

``Runtime.standby`` says so (None), and the prober's jobs (synth/warm_runs.py)
then stage each job as a read-only file for the same sandboxed wrapper: a
probe round still gets its results, in a container of its own.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.base import RunSpec
from regoose_tui.runtime.container.runtime import ContainerRuntime
from regoose_tui.synth.probe import Prober

pytestmark = pytest.mark.containers

MODULE = "def double(x):\n    if x > 2:\n        return x * 2\n    return x\n"


def test_a_container_runtime_runs_harness_jobs_one_shot(
    container_runtime: ContainerRuntime, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    (project / "doubling.py").write_text(MODULE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    spec = RunSpec(argv=[sys.executable, "-c", "pass"], project_dir=project, work_dir=work)
    assert asyncio.run(container_runtime.standby(spec, standby_seconds=10)) is None

    target = TargetModule(
        path=project / "doubling.py", module="doubling", project_dir=project, source=MODULE
    )
    prober = Prober(
        container_runtime,
        target,
        python=sys.executable,
        work_dir=work,
        deadline=time.monotonic() + 120,
    )
    calls = [
        {"id": 1, "imports": [], "setup": [], "call": "double(5)", "stmt": False},
        {"id": 2, "imports": [], "setup": [], "call": "double(1)", "stmt": False},
    ]

    async def probe() -> dict[int, dict[str, Any]]:
        try:
            intro = await prober.introspect()
            assert [m["name"] for m in intro["members"]] == ["double"]
            return await prober.run(calls, {"double": "double"})
        finally:
            await prober.close()

    results = asyncio.run(probe())
    assert prober.jobs.streams is False and prober.jobs.warm_hits == 0
    assert results[1]["value"]["lit"] == "10" and results[2]["value"]["lit"] == "1"
    assert {p.name[:7] for p in work.iterdir()} == {"inputs-"}
