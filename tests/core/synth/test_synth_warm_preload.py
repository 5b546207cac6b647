"""What a verification's sandbox does before its job comes (synth/warm_start.py), under bwrap.

Started ahead, it starts the verification's own pytest session (synth/verify_ahead.py);
a job of another shape runs after that session ended, and one already waiting
when pytest is imported gets no session at all; either way the preload is
frozen out of the garbage collector's scans. Sandboxes
started ahead for probe rounds that will never come are let go early
(``WarmRuns.release``), and none outlives its owner.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from synth_samples import prober_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.warm_runs import Job
from tests.core.runtime.sandbox_helpers import processes_with, require_bwrap, wait_gone

MODULE = '''
def double(n):
    """Twice ``n``."""
    return 2 * n
'''

#: Run as the job in a verification's sandbox: what the preload left behind.
CHECK = """
import gc
import json
import os
import sys

print(json.dumps({
    "pytest": "pytest" in sys.modules,
    "coverage": "coverage" in sys.modules,
    "driver": "verify_driver" in sys.modules,
    "session": "regoose_keep_plugin" in sys.modules,
    "argv": sys.argv[0],
    "frozen": gc.get_freeze_count(),
}))
"""

_CHECK_JOB = Job(kind="pytest", argv=["{job}/check.py"], files={"check.py": CHECK})


def _prober(tmp_path: Path, name: str) -> Prober:
    return prober_for(tmp_path, name, MODULE, BwrapRuntime(), seconds=120, start_ahead=True)


def _seen(stdout: str) -> dict[str, object]:
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def _wait_for(path_glob: str, folder: Path, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if list(folder.glob(path_glob)):
            return True
        time.sleep(0.02)
    return False


def _preloading(folder: Path, kind: str) -> list[int]:
    """Host pids of this folder's sandboxes started ahead for ``kind`` (bwrap and python)."""
    return processes_with(f"--preload\0{kind}", str(folder))


def _wait_preloading(folder: Path, kind: str, *, gone: bool, within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if bool(_preloading(folder, kind)) != gone:
            return True
        time.sleep(0.02)
    return False


async def test_a_job_of_another_shape_already_waiting_gets_no_session(tmp_path: Path) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "preload_first")
    try:
        # Nothing started ahead: the job is on stdin before the interpreter is up.
        result, out = await prober.jobs.run(_CHECK_JOB, wall=60)
        await prober.discard(out)
    finally:
        await prober.close()
    assert result.exit_code == 0, result.stderr
    seen = _seen(result.stdout)
    assert seen["pytest"] is True and seen["driver"] is True
    assert seen["session"] is False and str(seen["argv"]).endswith("/check.py")
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0


async def test_a_standby_left_waiting_starts_the_session_and_a_check_runs_after_it(
    tmp_path: Path,
) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "preload_ahead")
    try:
        prober.start_before_import()
        # The first probe round's sandbox waits beside it, before any import of the target.
        assert await asyncio.to_thread(_wait_preloading, prober.work_dir, "probe", gone=False)
        # The verification's session has begun (its ini file is written just before).
        assert await asyncio.to_thread(_wait_for, "run-*/job/pytest.ini", prober.work_dir, 60)
        result, out = await prober.jobs.run(_CHECK_JOB, wall=60)
        await prober.discard(out)
        assert prober.jobs.warm_hits == 1
    finally:
        await prober.close()
    assert result.exit_code == 0, result.stderr
    seen = _seen(result.stdout)
    # Not the driver's job: the session ended collecting nothing, then the job ran.
    assert seen["coverage"] is True and seen["session"] is True
    assert str(seen["argv"]).endswith("/check.py")
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []


async def test_release_lets_the_probe_sandboxes_go_and_keeps_the_verification_one(
    tmp_path: Path,
) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "preload_release")
    work = prober.work_dir
    try:
        await prober.introspect()  # starts the next probe rounds' sandboxes and pytest's
        assert await asyncio.to_thread(_wait_preloading, work, "probe", gone=False)
        assert await asyncio.to_thread(_wait_preloading, work, "pytest", gone=False)
        prober.release_probes()
        assert await asyncio.to_thread(_wait_preloading, work, "probe", gone=True)
        assert _preloading(work, "pytest")
        hits = prober.jobs.warm_hits
        result, out = await prober.jobs.run(_CHECK_JOB, wall=60)
        await prober.discard(out)
        assert result.exit_code == 0 and prober.jobs.warm_hits == hits + 1
        # A probe job after all still runs, in a sandbox of its own started now.
        symbols = SymbolTable()
        double = symbols.symbol("double")
        callee = Callee(key="double", kind="function", symbol=double, name="double", params=[])
        found = await prober.run([Candidate(id=1, callee=callee).probe_spec()], symbols.names())
        assert found[1]["outcome"] == "raise"  # double() without its argument
    finally:
        await prober.close()
    assert await asyncio.to_thread(wait_gone, str(work)) == []
    assert not [p for p in work.iterdir() if p.name.startswith("run-")]
