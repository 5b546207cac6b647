"""The verification against its deadline: a stop time, narrowed rounds, what a cut run kept.

Real runs of the verification driver under bubblewrap (synth/verify.py):
each test of the suite sleeps, so the whole keep session (three shuffled runs
and each test alone) cannot finish by the stop time. The run narrows itself
to the best-ranked tests, and what they showed is a keep session of their own
with coverage figures of what they ran, not of what the others reached.
"""

from __future__ import annotations

import time

import pytest
from synth_samples import prober_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify import run_suite
from regoose_tui.synth.verify_loop import verify
from regoose_tui.synth.verify_plan import (
    _UNIT_WINDOW,
    UNIT_BOUND,
    VerifyCost,
    cost_for,
    fit,
    learned,
)
from tests.core.runtime.sandbox_helpers import require_bwrap

MODULE = """
def kind(x):
    if x > 0:
        return "positive"
    if x < 0:
        return "negative"
    return "zero"
"""

#: Eight slow tests: 0.2 s each call, so 3 runs of all of them take 4.8 s, alone beside.
SUITE = "import time\nfrom kinds import kind\n" + "".join(
    f"""

def test_{name}_{number}():
    time.sleep(0.2)
    assert kind({value}) == "{name}"
"""
    for number in range(4)
    for name, value in (("positive", 3), ("negative", -3))
)
#: Best first: the negative tests, so the kept ones reach the negative branch only.
RANKING = [f"test_negative_{n}" for n in range(4)] + [f"test_positive_{n}" for n in range(4)]


def _prober(tmp_path) -> tuple[Prober, str]:
    require_bwrap()
    prober = prober_for(tmp_path, "kinds", MODULE, BwrapRuntime())
    return prober, str(prober.target.path)


async def test_a_run_past_its_stop_time_keeps_the_best_ranked_tests_it_finished(tmp_path):
    prober, target_file = _prober(tmp_path)
    began = time.monotonic()
    try:
        run = await run_suite(
            prober,
            SUITE,
            target_file=target_file,
            with_coverage=True,
            wall=30,
            passes=3,
            alone=True,
            stop_seconds=4.0,
            ranking=RANKING,
        )
    finally:
        await prober.close()
    took = time.monotonic() - began
    assert run.error == "" and run.cut
    # Every test it kept ran all three runs and alone; no test failed for lack of time.
    assert run.passed and not run.failed
    assert run.passed == run.finished
    assert run.unfinished | run.passed <= set(RANKING)
    # The best-ranked ones, in ranking order: a prefix of the negative tests.
    assert run.passed <= {f"test_negative_{n}" for n in range(4)}
    assert took < 12, f"{took:.1f} s for a 4 s stop"
    # The keep session of what finished: only those tests, coverage of what they ran.
    assert run.keep is not None
    assert {case.nodeid.split("::")[-1] for case in run.keep.tests} == run.passed
    assert run.keep.rounds == 3 and run.keep.runs
    positive_line = MODULE.lstrip().splitlines().index('        return "positive"') + 1
    assert positive_line in run.missing_lines
    assert run.branch_percent is not None and run.branch_percent < 100.0


async def test_verify_drops_what_the_deadline_left_unverified_and_runs_nothing_again(tmp_path):
    prober, _ = _prober(tmp_path)
    intro = {"has_coverage": True, "file": str(prober.target.path)}
    said: list[str] = []
    before = prober.runs
    try:
        source, run, dropped = await verify(
            prober,
            SUITE,
            intro,
            said.append,
            time.monotonic() + 5.5,
            cost=VerifyCost(per_case=0.01, session=0.5),
            ranked=RANKING,
        )
    finally:
        await prober.close()
    assert prober.runs - before == 1  # cut once, not run again past the deadline
    assert run is not None and run.cut and dropped == 0
    assert any("the deadline came first" in line for line in said), said
    kept = {
        line.split("(")[0].removeprefix("def ") for line in source.splitlines() if "def " in line
    }
    assert kept == run.passed and kept
    assert run.keep is not None  # the session hands it on as its keep session


def test_fit_keeps_the_best_ranked_prefix_that_the_time_holds_and_always_one():
    cost = VerifyCost(per_case=0.01, session=1.0)
    # Each test: 3 x 0.5 s of its own call + 4 cases x 0.01 s = 1.54 s.
    elapsed = [0.5] * 10
    assert fit(elapsed, 3, cost, 100.0) == 10
    assert fit(elapsed, 3, cost, 3.0) == 1  # 3 - 1 = 2 s: one test of 1.54 s
    assert fit(elapsed, 3, cost, 0.1) == 1  # nearly spent: still the best one
    assert fit([], 3, cost, 10.0) == 0
    assert cost.seconds(elapsed, 3) == pytest.approx(1.0 + 10 * 1.54)


def test_learned_raises_the_per_case_part_only_when_a_run_was_slower():
    cost = VerifyCost(per_case=0.01, session=1.0)
    slower = learned(cost, 1.0 + 40 * 0.05, [0.0] * 10, 3)  # 10 tests, 40 cases in 3 s
    assert round(slower.per_case, 6) == 0.05
    assert learned(cost, 1.1, [0.0] * 10, 3) == cost


async def test_the_machine_is_measured_only_when_the_bound_could_not_fit():
    # 23 quick tests and a minute left: they fit at any load, nothing is measured.
    began = time.perf_counter()
    roomy = await cost_for([0.001] * 23, 3, 58.0)
    assert not roomy.measured and time.perf_counter() - began < _UNIT_WINDOW
    assert roomy == VerifyCost.from_unit(UNIT_BOUND)
    # 200 tests and 20 s: whether they fit depends on the load now, so it is measured.
    tight = await cost_for([0.001] * 200, 3, 20.0)
    assert tight.measured
