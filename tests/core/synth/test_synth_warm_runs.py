"""Harness jobs in sandboxes started ahead (synth/warm_runs.py), under bubblewrap.

The first probe round runs in the introspection's sandbox (the probe worker);
the next rounds, both determinism runs and the verification find their
sandbox started; each of those jobs runs in a sandbox of its own (another
hash seed for the determinism runs, a fresh tmpfs each); no sandbox outlives
the generation, whether it ends, fails or is cancelled.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from synth_samples import make_target, prober_for, sandbox_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.engine import synthesize
from regoose_tui.synth.finalize import observations
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober
from tests.core.runtime.sandbox_helpers import (
    processes_with,
    require_bwrap,
    wait_gone,
    wait_until_present,
)

MODULE = '''
import os
import time


def seeded():
    """A set's order and a hash: both change with the hash seed."""
    return hash("regoose")


def clock():
    return time.time()


def leave_a_file():
    """Writes into the sandbox's /tmp; a later job must not see it."""
    with open("/tmp/regoose-left-behind", "w") as handle:
        handle.write("x")
    return True


def left_file_seen():
    return os.path.exists("/tmp/regoose-left-behind")


def classify(n):
    if n > 0:
        return "positive"
    return "other"
'''


def _prober(tmp_path: Path) -> Prober:
    return prober_for(tmp_path, "warmmod", MODULE, BwrapRuntime(), start_ahead=True)


def _candidate(cid: int, name: str, symbols: SymbolTable) -> Candidate:
    callee = Callee(key=name, kind="function", symbol=symbols.symbol(name), name=name, params=[])
    return Candidate(id=cid, callee=callee)


async def test_jobs_take_sandboxes_started_ahead_and_each_its_own(tmp_path: Path) -> None:
    require_bwrap()
    prober = _prober(tmp_path)
    try:
        intro = await prober.introspect()
        assert {m["name"] for m in intro["members"]} >= {"seeded", "classify"}
        symbols = SymbolTable()
        leave, seen = (
            _candidate(1, "leave_a_file", symbols),
            _candidate(2, "left_file_seen", symbols),
        )
        # The first probe round: in the introspection's sandbox, the target imported once.
        first = await prober.run([leave.probe_spec(), seen.probe_spec()], symbols.names())
        assert first[1]["outcome"] == "return" and first[2]["value"]["lit"] == "True"
        assert prober.worker.served == 2 and prober.worker.gone
        again = _candidate(3, "left_file_seen", symbols)
        second = await prober.run([again.probe_spec()], symbols.names())
        # The next round ran in a fresh sandbox, started while the first one ran: the file
        # the last one left is gone.
        assert second[3]["value"]["lit"] == "False"
        assert prober.jobs.warm_hits >= 1, prober.jobs.describe()

        # The determinism runs (hash seeds 1 and 2, shifted clocks), started ahead too.
        chosen = [_candidate(4, "seeded", symbols), _candidate(5, "clock", symbols)]
        for cand in chosen:
            cand.result = {"outcome": "return", "value": {"type": "int"}}
        hits = prober.jobs.warm_hits
        found = await observations(prober, chosen, symbols)
        assert prober.jobs.warm_hits == hits + 2
        by_call = {o.cand.call: o for o in found}
        assert by_call["seeded()"].value_stable is False  # another hash seed: another hash
        assert by_call["clock()"].value_stable is False  # another clock
    finally:
        await prober.close()
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []
    # Every run folder is gone; only the staged read-only inputs remain.
    assert {p.name[:7] for p in prober.work_dir.iterdir()} == {"inputs-"}


async def test_a_prober_without_an_owner_starts_nothing_ahead(tmp_path: Path) -> None:
    """Without start_ahead (no one promises to close it) each job starts its own sandbox
    at hand-over, so nothing is left running when the caller's event loop ends."""
    require_bwrap()
    prober = prober_for(tmp_path, "warmmod", MODULE, BwrapRuntime())
    work = prober.work_dir
    await prober.introspect()
    symbols = SymbolTable()
    found = await prober.run([_candidate(1, "classify", symbols).probe_spec()], symbols.names())
    assert found[1]["outcome"] == "raise"  # classify() without its argument
    assert prober.jobs.warm_hits == 0 and prober.jobs.streams
    assert processes_with(str(work)) == []
    assert {p.name[:7] for p in work.iterdir()} == {"inputs-"}


SMALL = """
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
"""


async def test_no_sandbox_outlives_a_generation_that_ends(tmp_path: Path) -> None:
    require_bwrap()
    target = make_target(tmp_path, "signs", SMALL)
    work = tmp_path / "work"
    result = await synthesize(
        target,
        sandbox_for(BwrapRuntime(), target, tmp_path / "sandbox"),
        python=sys.executable,
        budget_seconds=30,
        work_dir=work,
    )
    assert result.tests >= 3 and result.branch_percent == 100.0
    assert result.verified is not None
    assert await asyncio.to_thread(wait_gone, str(work), 5.0) == []
    assert not [p for p in work.iterdir() if p.name.startswith("run-")]


@pytest.mark.parametrize("after", ["importing", "probe round 1", "verifying"])
async def test_no_sandbox_outlives_a_cancelled_generation(tmp_path: Path, after: str) -> None:
    require_bwrap()
    target = make_target(tmp_path, "signs", SMALL)
    work = tmp_path / "work"
    reached = asyncio.Event()

    def progress(message: str) -> None:
        if message.startswith(after):
            reached.set()

    task = asyncio.create_task(
        synthesize(
            target,
            sandbox_for(BwrapRuntime(), target, tmp_path / "sandbox"),
            python=sys.executable,
            budget_seconds=30,
            work_dir=work,
            progress=progress,
        )
    )
    await asyncio.wait_for(reached.wait(), 60)
    # Sandboxes for the jobs to come were started and are waiting now (the verification's
    # from the start: it imports nothing of the project).
    assert await asyncio.to_thread(wait_until_present, str(work), 20.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_gone, str(work), 10.0) == []
    assert not [p for p in work.iterdir() if p.name.startswith("run-")]
