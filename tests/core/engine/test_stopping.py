"""LoopGuard: each stop condition ends the loop with its reason, the others keep it going."""

from __future__ import annotations

from regoose_tui.engine.stopping import BUDGET_MARGIN, LoopGuard, provider_room


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _guard(**kwargs: object) -> tuple[LoopGuard, Clock]:
    clock = Clock()
    guard = LoopGuard(deadline=100.0, clock=clock, **kwargs)  # type: ignore[arg-type]  # loose test kwargs
    return guard, clock


def test_growing_coverage_goes_on_and_ending_by_the_limit_says_iterations() -> None:
    guard, _ = _guard()
    assert guard.again(improved=True, complete=False, spent_usd=0.0, round_usd=0.0)
    assert guard.again(improved=True, complete=False, spent_usd=0.0, round_usd=0.0)
    assert guard.conclude(complete=False, iterations=3) == "iterations"
    assert guard.phrase == "stopped: iteration limit (3 iteration(s), the most allowed)"


def test_full_coverage_is_complete_even_on_the_last_round() -> None:
    guard, _ = _guard()
    assert not guard.again(improved=True, complete=True, spent_usd=0.0, round_usd=0.0)
    assert guard.stopped_by == "complete"
    other, _ = _guard()
    assert other.conclude(complete=True, iterations=1) == "complete"


def test_the_plateau_counts_flat_rounds_in_a_row() -> None:
    guard, _ = _guard(plateau=2)
    assert guard.again(improved=False, complete=False, spent_usd=0.0, round_usd=0.0)
    assert guard.again(improved=True, complete=False, spent_usd=0.0, round_usd=0.0)  # resets
    assert guard.again(improved=False, complete=False, spent_usd=0.0, round_usd=0.0)
    assert not guard.again(improved=False, complete=False, spent_usd=0.0, round_usd=0.0)
    assert guard.stopped_by == "plateau" and "2 rounds" in guard.phrase


def test_the_budget_stops_a_round_that_would_start_too_late() -> None:
    guard, clock = _guard()
    clock.now = 100.0 - BUDGET_MARGIN - 1
    assert guard.again(improved=True, complete=False, spent_usd=0.0, round_usd=0.0)
    clock.now = 100.0 - BUDGET_MARGIN
    assert not guard.again(improved=True, complete=False, spent_usd=0.0, round_usd=0.0)
    assert guard.stopped_by == "budget"


def test_the_cost_cap_prices_the_next_call_like_the_dearest_round() -> None:
    guard, _ = _guard(max_cost_usd=1.0)
    assert guard.again(improved=True, complete=False, spent_usd=0.3, round_usd=0.3)
    # 0.5 spent + 0.3 for the next round fits the dollar; the cheap round does not lower it.
    assert guard.again(improved=True, complete=False, spent_usd=0.5, round_usd=0.2)
    assert not guard.again(improved=True, complete=False, spent_usd=0.75, round_usd=0.25)
    assert guard.stopped_by == "cost"
    assert guard.phrase.startswith("stopped: cost limit ($0.7500 spent")


def test_no_cap_means_cost_never_stops_the_loop() -> None:
    guard, _ = _guard()
    assert guard.again(improved=True, complete=False, spent_usd=1e6, round_usd=1e6)


def test_a_later_round_keeps_back_twice_its_longest_run_for_running_what_it_writes() -> None:
    # First round: nothing ran yet, the provider may plan with all of it.
    assert provider_room(40.0, 0.0, 0.0) == 40.0
    # 23 s left, the last candidate run took 6 s: 12 s stay for the two runs to come.
    assert provider_room(23.0, 6.0, 0.5) == 11.0
    assert provider_room(23.0, 2.0, 6.0) == 11.0
    # Never less than a short round needs.
    assert provider_room(10.0, 8.0, 9.0) == 5.0
