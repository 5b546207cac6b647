"""The engine's verification against its deadline: fit the suite, run it, keep what it showed.

Before the module is rendered, ``fit_tests`` keeps the best-ranked tests
(the cover's order) that the time left can verify, by the cost model of
synth/verify_plan.py. ``verify`` then runs pytest (each test alone, then the
keep rule's shuffled rounds), cuts failing tests and runs the rest again, each
run told to start no test after the deadline: a run cut there still counts
for every test that ran all its runs (synth/verify_cut.py), the others leave
the module, and nothing runs again past the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from regoose_tui.synth.grouping import group
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.render import RenderedTest, list_test_names, remove_tests
from regoose_tui.synth.verify import SuiteRun, run_suite
from regoose_tui.synth.verify_plan import VerifyCost, cost_for, fit, learned, machine_unit

#: Rounds of cutting failing tests and running the rest again.
VERIFY_ROUNDS = 4
#: Runs of the suite in one verification session: the keep rule's (agents/keep_rule.py
#: KEEP_ROUNDS), each shuffled, so a green verification is the validator's keep session.
VERIFY_PASSES = 3
#: Seconds past the stop time before the sandbox itself is killed: a test that started
#: just before it finishes, and the reports get written.
_WALL_GRACE = 5.0


def elapsed_of(test: RenderedTest) -> float:
    """Seconds the probe's run of the test's call took (0 when it did not say)."""
    value = test.cand.result.get("elapsed", 0.0)
    return float(value) if isinstance(value, int | float) else 0.0


def ranking(tests: list[RenderedTest], rank: dict[int, int]) -> list[str]:
    """The tests' names in the module (``TestUnit::test_x``), best-ranked first."""
    placed = group([(t.name, t.source, t.cand) for t in tests])
    order = sorted(range(len(tests)), key=lambda i: rank.get(tests[i].cand.id, len(rank)))
    return [placed[i].node_name for i in order]


def _marks(run: SuiteRun) -> str:
    """``collected 0.4 s, passes 3.1 s, ...``: where a cut run's time went."""
    return ", ".join(f"{step} {seconds:.1f} s" for step, seconds in run.marks.items())


async def fit_tests(
    tests: list[RenderedTest],
    rank: dict[int, int],
    deadline: float,
    say: Callable[[str], None],
    *,
    slack: float = 1.0,
) -> tuple[list[RenderedTest], VerifyCost]:
    """The tests the time left can verify: the best-ranked (``rank``: cover order) first.

    The kept ones stay in their own order (the module's layout); a test whose
    call has no rank (none should) goes last. ``slack`` > 1 trims only when the
    estimate exceeds the time left by that factor (a seeded run's tests stay put).
    """
    ranked = sorted(tests, key=lambda t: rank.get(t.cand.id, len(rank)))
    left = deadline - time.monotonic()
    cost = await cost_for([elapsed_of(t) for t in ranked], VERIFY_PASSES, left * slack)
    count = fit([elapsed_of(t) for t in ranked], VERIFY_PASSES, cost, left * slack)
    if count < len(tests):
        keep = {id(t) for t in ranked[:count]}
        estimate = cost.seconds([elapsed_of(t) for t in tests], VERIFY_PASSES)
        say(
            f"verifying the {count} best of {len(tests)} tests: all would take about "
            f"{estimate:.0f} s, {max(0.0, left):.0f} s are left"
        )
        tests = [t for t in tests if id(t) in keep]
    return tests, cost


async def verify(
    prober: Prober,
    source: str,
    intro: dict[str, object],
    say: Callable[[str], None],
    deadline: float,
    *,
    seed: int = 0,
    cost: VerifyCost | None = None,
    elapsed: Sequence[float] = (),
    tidy: Callable[[str], Awaitable[str]] | None = None,
    ranked: Sequence[str] = (),
) -> tuple[str, SuiteRun | None, int]:
    """Run pytest until green (failing tests cut), each run stopping by ``deadline``.

    Returns the module left, its last run and how many failing tests were cut.
    Tests a run did not finish by the deadline leave the module without
    counting as failed; ``tidy`` (the engine's formatter) lays the module out
    again after that, since its verified bytes are what the session keeps.
    """
    has_coverage = bool(intro.get("has_coverage"))
    target_file = str(intro.get("file", ""))
    dropped = 0
    run: SuiteRun | None = None
    if cost is None:
        cost = VerifyCost.from_unit(await machine_unit(), measured=True)
    for _ in range(VERIFY_ROUNDS):
        if not list_test_names(source):
            break
        left = deadline - time.monotonic()
        # The reports are written after the last test: their share of the session stays.
        stop = max(1.0, left - cost.session / 2)
        run = await run_suite(
            prober,
            source,
            target_file=target_file,
            with_coverage=has_coverage,
            wall=stop + max(_WALL_GRACE, stop / 4),
            passes=VERIFY_PASSES,
            alone=True,
            seed=seed,
            stop_seconds=stop,
            ranking=ranked,
        )
        if run.error and not run.failed:
            say(f"the generated module did not run: {run.error.splitlines()[-1:]}")
            break
        if run.cut:
            # Tests the run never reached are as unverified as those it left half-run.
            unfinished = set(list_test_names(source)) - run.finished
            say(
                f"the deadline came first: {len(run.finished)} tests ran every run, "
                f"{len(unfinished)} left out unverified ({_marks(run)})"
            )
            source = remove_tests(source, unfinished)
            if tidy is not None and not run.failed:
                source = await tidy(source)
            if run.failed:
                # What is left would need another run, and there is no time for one.
                dropped += len(run.failed)
                source = remove_tests(source, set(run.failed))
                run.keep = None
            return source, run, dropped
        if elapsed:
            cost = learned(cost, run.wall_seconds, elapsed, VERIFY_PASSES)
        if not run.failed:
            return source, run, dropped
        sample = "; ".join(f"{n}: {m[:120]}" for n, m in list(run.failed.items())[:3])
        say(f"removing {len(run.failed)} failing tests ({sample})")
        dropped += len(run.failed)
        source = await _cut(source, set(run.failed), tidy)
    if run is not None and run.failed:
        dropped += len(run.failed)
        source = await _cut(source, set(run.failed), tidy)
    return source, run, dropped


async def _cut(source: str, names: set[str], tidy: Callable[[str], Awaitable[str]] | None) -> str:
    """The module without ``names``, laid out again: an import only they used goes too."""
    left = remove_tests(source, names)
    return await tidy(left) if tidy is not None and list_test_names(left) else left
