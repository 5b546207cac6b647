"""The engine's verification: one sandboxed process runs the suite, its shuffled reruns and coverage."""

from __future__ import annotations

import random

from synth_samples import prober_for

from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify import run_suite

MODULE = """
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
"""

SUITE = """
from signs import sign

LAST = []


class TestSign:
    def test_positive_returns_one(self):
        LAST.append("positive")
        assert sign(5) == 1

    def test_negative_returns_negative_one(self):
        assert sign(-2) == -1


def test_zero_needs_the_first_test_to_have_run():
    # Order-dependent: passes in file order, fails when it runs before the first test.
    assert LAST == ["positive"]
    LAST.clear()
    assert sign(0) == 0


def test_always_fails():
    assert sign(1) == 2
"""


def _prober(tmp_path) -> tuple[Prober, str]:
    prober = prober_for(tmp_path, "signs", MODULE, LocalRuntime())
    return prober, str(prober.target.path)


def _keep_order(seed: int, number: int) -> list[str]:
    """The test names of round ``number`` in the order the keep-rule plugin runs them."""
    names = sorted(
        f"test_generated.py::{name}[regoose-run{number}]"
        for name in (
            "TestSign::test_negative_returns_negative_one",
            "TestSign::test_positive_returns_one",
            "test_always_fails",
            "test_zero_needs_the_first_test_to_have_run",
        )
    )
    random.Random(f"{seed}:{number}").shuffle(names)
    return [name.split("::")[-1].split("[")[0] for name in names]


def _mixed_seed() -> int:
    """A seed whose round 1 runs the positive test before the order-dependent one, and a
    later round does not: the order-dependent test passes once and then fails."""
    for seed in range(100):
        rounds = [_keep_order(seed, n) for n in (1, 2, 3)]
        before = [r.index("test_positive_returns_one") < r.index(ZERO) for r in rounds]
        if before[0] and not all(before[1:]):
            return seed
    raise AssertionError("no such seed below 100")


ZERO = "test_zero_needs_the_first_test_to_have_run"


async def test_one_process_runs_the_passes_and_measures_coverage(tmp_path):
    prober, target_file = _prober(tmp_path)
    before = prober.runs
    run = await run_suite(
        prober,
        SUITE,
        target_file=target_file,
        with_coverage=True,
        wall=60,
        passes=3,
        seed=_mixed_seed(),
    )
    assert prober.runs - before == 1  # pytest, its reruns and the coverage report
    assert run.error == ""
    assert run.collected == 4
    assert run.passed == {
        "TestSign::test_positive_returns_one",
        "TestSign::test_negative_returns_negative_one",
    }
    assert set(run.failed) == {"test_zero_needs_the_first_test_to_have_run", "test_always_fails"}
    assert "flaky across 3 runs" in run.failed["test_zero_needs_the_first_test_to_have_run"]
    assert "flaky" not in run.failed["test_always_fails"]
    assert run.line_percent == 100.0 and run.branch_percent == 100.0


async def test_a_single_pass_keeps_file_order_and_a_broken_module_says_so(tmp_path):
    prober, target_file = _prober(tmp_path)
    run = await run_suite(
        prober, SUITE, target_file=target_file, with_coverage=False, wall=60, passes=1
    )
    assert "test_zero_needs_the_first_test_to_have_run" in run.passed
    assert set(run.failed) == {"test_always_fails"}
    assert run.line_percent is None
    broken = await run_suite(
        prober, "import no_such_module_here\n", target_file=target_file, with_coverage=True, wall=60
    )
    assert "failed to collect" in broken.error and not broken.passed


async def test_alone_runs_each_test_by_itself_first_in_the_same_process(tmp_path):
    prober, target_file = _prober(tmp_path)
    before = prober.runs
    # One pass in file order: only running each test alone can catch the dependence.
    run = await run_suite(
        prober, SUITE, target_file=target_file, with_coverage=True, wall=60, passes=1, alone=True
    )
    assert prober.runs - before == 1  # the forks live inside the one sandboxed run
    assert run.collected == 4
    assert run.passed == {
        "TestSign::test_positive_returns_one",
        "TestSign::test_negative_returns_negative_one",
    }
    zero = run.failed["test_zero_needs_the_first_test_to_have_run"]
    assert zero.startswith("fails when run alone: AssertionError: assert [] == ['positive']")
    assert run.failed["test_always_fails"].startswith("fails when run alone: assert 1 == 2")
    # The forks ran before the measured pass: its coverage is still complete.
    assert run.line_percent == 100.0 and run.branch_percent == 100.0
    without = await run_suite(
        prober, SUITE, target_file=target_file, with_coverage=False, wall=60, passes=1
    )
    assert "test_zero_needs_the_first_test_to_have_run" in without.passed
