"""A verification in a session started ahead (synth/verify_ahead.py), under bwrap.

The sandbox started early sets pytest's session up before the job comes and
runs the job in it; what that run shows must be exactly what a run of the
driver as a script shows: the same outcomes (in every shuffled round and
alone), the same coverage (the target's import included) and the same
per-test arcs for the keep rule. A job of another shape still runs after it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from synth_samples import prober_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify import SuiteRun, run_suite
from tests.core.runtime.sandbox_helpers import require_bwrap, wait_gone

#: A module whose import runs code of its own (its arcs must be measured either way).
MODULE = """
LIMIT = int("10")
if LIMIT > 5:
    BIG = True
else:
    BIG = False


def clamp(x):
    if x > LIMIT:
        return LIMIT
    if x < 0:
        return 0
    return x


def untested(x):
    return x * 2
"""

SUITE = """
from clamps import clamp

SEEN = []


class TestClamp:
    def test_above_the_limit_returns_the_limit(self):
        SEEN.append("above")
        assert clamp(50) == 10

    def test_negative_returns_zero(self):
        assert clamp(-3) == 0


def test_inside_keeps_the_value():
    assert clamp(4) == 4


def test_needs_another_test_first():
    # Passes only after the first test ran: never alone.
    assert SEEN
"""

GREEN = SUITE.split("def test_needs_another_test_first")[0]


def _prober(tmp_path: Path, name: str) -> Prober:
    source = MODULE.replace("clamps", name)
    return prober_for(tmp_path, name, source, BwrapRuntime(), seconds=120, start_ahead=True)


def _waiting_session(folder: Path, within: float = 60.0) -> bool:
    """True once a sandbox started ahead has made its session's folder (before its job)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if list(folder.glob("run-*/job/pytest.ini")):
            return True
        time.sleep(0.02)
    return False


async def _run(prober: Prober, source: str, *, ahead: bool) -> SuiteRun:
    if ahead:
        prober.start_before_import()
        assert await asyncio.to_thread(_waiting_session, prober.work_dir)
    else:
        prober.jobs.streams = False  # a one-shot sandbox: the driver runs as a script
    try:
        return await run_suite(
            prober,
            source.replace("clamps", prober.target.module),
            target_file=str(prober.target.path),
            with_coverage=True,
            wall=60,
            passes=3,
            alone=True,
            seed=3,
        )
    finally:
        await prober.close()


async def test_a_session_started_ahead_shows_what_a_script_run_shows(tmp_path: Path) -> None:
    require_bwrap()
    ahead = await _run(_prober(tmp_path, "clamp_ahead"), SUITE, ahead=True)
    script = await _run(_prober(tmp_path, "clamp_script"), SUITE, ahead=False)
    assert ahead.started_ahead and not script.started_ahead
    assert ahead.error == script.error == ""
    assert ahead.collected == script.collected == 4
    assert (
        ahead.passed
        == script.passed
        == {
            "TestClamp::test_above_the_limit_returns_the_limit",
            "TestClamp::test_negative_returns_zero",
            "test_inside_keeps_the_value",
        }
    )
    assert set(ahead.failed) == set(script.failed) == {"test_needs_another_test_first"}
    assert ahead.failed["test_needs_another_test_first"].startswith("fails when run alone")
    # The import's own lines and branch count, measured in both: only ``untested`` is missed.
    assert (ahead.line_percent, ahead.branch_percent) == (
        script.line_percent,
        script.branch_percent,
    )
    # The import's ``else`` and ``untested`` are all the suite misses, in both.
    assert ahead.missing_lines == script.missing_lines == [5, 17]
    assert ahead.missing_branches == script.missing_branches == [(2, 5)]


async def test_a_green_run_started_ahead_is_the_same_keep_session(tmp_path: Path) -> None:
    require_bwrap()
    ahead = await _run(_prober(tmp_path, "keep_ahead"), GREEN, ahead=True)
    script = await _run(_prober(tmp_path, "keep_script"), GREEN, ahead=False)
    assert ahead.started_ahead and ahead.keep is not None and script.keep is not None
    assert ahead.keep.runs == script.keep.runs
    assert ahead.keep.arcs_by_test == script.keep.arcs_by_test
    assert set(ahead.keep.arcs_by_test) == set(ahead.passed) and len(ahead.passed) == 3
    ran = [
        (f.num_statements, f.executed_lines, f.executed_branches, f.executed_arcs)
        for run in (ahead, script)
        for f in run.keep.coverage.files.values()  # type: ignore[union-attr]  # asserted above
    ]
    assert len(ran) == 2 and ran[0] == ran[1]


async def test_a_single_pass_does_not_fit_and_still_runs_after_it(tmp_path: Path) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "single_pass")
    prober.start_before_import()
    try:
        assert await asyncio.to_thread(_waiting_session, prober.work_dir)
        run = await run_suite(
            prober,
            SUITE.replace("clamps", "single_pass"),
            target_file=str(prober.target.path),
            with_coverage=True,
            wall=60,
            passes=1,
        )
        assert prober.jobs.warm_hits == 1
    finally:
        await prober.close()
    # File order, once: the order-dependent test passes; the session ahead ran nothing.
    assert not run.started_ahead and run.error == ""
    assert "test_needs_another_test_first" in run.passed and not run.failed
    assert run.line_percent is not None and run.line_percent < 100.0
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []


def _broken_plugin(project: Path) -> None:
    """A pytest plugin installed beside the code that fails at pytest's configuration."""
    (project / "broken_plugin.py").write_text(
        "def pytest_configure(config):\n    raise RuntimeError('broken plugin')\n"
    )
    info = project / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nbroken = broken_plugin\n")


async def test_a_session_that_ends_before_its_collection_still_runs_the_job(
    tmp_path: Path,
) -> None:
    """A plugin of the project's environment breaking pytest's set-up: the session
    started ahead never reaches the job, which then runs the usual way and reports how
    pytest ended, as a script run does (no crash of the driver, nothing left behind)."""
    require_bwrap()
    runs = {}
    for ahead in (True, False):
        (tmp_path / str(ahead)).mkdir()
        prober = _prober(tmp_path / str(ahead), f"clamp_broken_{ahead}".lower())
        _broken_plugin(prober.target.project_dir)
        runs[ahead] = await _run(prober, GREEN, ahead=ahead)
        assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []
    assert not runs[True].started_ahead and not runs[False].started_ahead
    shown = {
        ahead: (run.passed, run.failed, run.collected, run.error, sorted(run.marks))
        for ahead, run in runs.items()
    }
    assert shown[True] == shown[False]
