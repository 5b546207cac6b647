"""How many tests the verification can run in the time left, and which ones.

The verification (synth/verify.py) runs every test ``passes`` times in one
pytest session and each alone in a fork beside it. What that costs per test
is the test's own call (the probe measured it: ``elapsed`` of its candidate,
under the load of the moment) plus pytest's own work per test case, which
depends on how fast the machine is right now. That part is measured here as
the time a fixed piece of Python work takes on the host (``machine_unit``):
on a loaded machine it takes longer in the same proportion as pytest's
bookkeeping does in the sandbox, which shares the same cores.

``fit`` keeps the best-ranked tests (the cover's order: the ones that add the
most coverage first) that the time left can hold, so a loaded machine gets a
smaller suite by the deadline instead of a full one past it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

#: The fixed piece of work ``machine_unit`` times (about 1 ms on a quiet core).
_UNIT_LOOPS = 20_000
#: How long ``measure_unit`` keeps doing it: longer than a scheduler's period, so a
#: share of the cores shows as the average it is, not as a lucky or unlucky slice.
_UNIT_WINDOW = 0.15
#: pytest's work per test case, and per session (collection, the coverage and
#: per-test arcs reports), in machine units. Measured on 2 cores under load
#: (typesystem.fields' 192 tests: 14.8 s at a 3.7-7.5 ms unit, 24.4 s at 4.9 ms;
#: round 1, traced per test, takes most of it), rounded up.
CASE_UNITS = 4.0
SESSION_UNITS = 400.0
#: Share of the time left the estimate may fill. All of it: on a loaded machine the
#: unit swings several-fold within seconds, and a run that then cannot finish narrows
#: itself to the best-ranked tests by their measured pace (verify_driver.py), while
#: tests the estimate leaves out are lost for good.
FILL = 1.0
#: A unit no load seen here has stretched the quiet one (about 2 ms) past, ten times
#: over: a suite whose cost at this unit fits the time left fits at any load seen, and
#: the machine need not be measured (0.15 s of a core that the sandboxes want).
UNIT_BOUND = 0.02


def _unit_once() -> float:
    started = time.perf_counter()
    total = 0
    for number in range(_UNIT_LOOPS):
        total += number * number
    return time.perf_counter() - started


def measure_unit() -> float:
    """Seconds the fixed piece of work takes on this machine now (blocking, ~0.15 s).

    Averaged over ``_UNIT_WINDOW``: on a loaded machine single samples swing
    from the quiet figure to ten times it, as the scheduler hands out slices.
    """
    started = time.perf_counter()
    done = 0
    while time.perf_counter() - started < _UNIT_WINDOW:
        _unit_once()
        done += 1
    return (time.perf_counter() - started) / done


async def machine_unit() -> float:
    """``measure_unit`` off the event loop."""
    return await asyncio.to_thread(measure_unit)


async def cost_for(elapsed: Sequence[float], passes: int, seconds: float) -> VerifyCost:
    """The cost model for verifying tests whose calls took ``elapsed`` in ``seconds``.

    ``measured`` is False when even the bound's cost fits: every test is verified
    whatever the load, and the figures are the bound's (an upper estimate).
    """
    bound = VerifyCost.from_unit(UNIT_BOUND)
    if bound.seconds(elapsed, passes) <= seconds * FILL:
        return bound
    return VerifyCost.from_unit(await machine_unit(), measured=True)


@dataclass(frozen=True)
class VerifyCost:
    """What one verification costs on this machine now, in seconds."""

    #: pytest's own work for one test case.
    per_case: float
    #: The session's fixed part (collection, coverage and arcs reports).
    session: float
    #: False: an upper bound (``UNIT_BOUND``), not this machine's pace now.
    measured: bool = False

    @classmethod
    def from_unit(cls, unit: float, *, measured: bool = False) -> VerifyCost:
        """The cost when the fixed piece of work takes ``unit`` seconds."""
        return cls(per_case=CASE_UNITS * unit, session=SESSION_UNITS * unit, measured=measured)

    def test_seconds(self, elapsed: float, passes: int) -> float:
        """One test's share: its call in each pass, pytest's work for each pass and alone."""
        return passes * max(0.0, elapsed) + (passes + 1) * self.per_case

    def seconds(self, elapsed: Sequence[float], passes: int) -> float:
        """The whole verification of tests whose calls took ``elapsed`` seconds each."""
        return self.session + sum(self.test_seconds(e, passes) for e in elapsed)


def fit(elapsed: Sequence[float], passes: int, cost: VerifyCost, seconds: float) -> int:
    """How many of the tests (best first; ``elapsed`` their calls' seconds) fit ``seconds``.

    At least one, when there is one: a deadline nearly spent still verifies
    the best test (the run stops at the deadline, and what it showed stays).
    """
    room = seconds * FILL - cost.session
    count = 0
    for one in elapsed:
        room -= cost.test_seconds(one, passes)
        if room < 0:
            break
        count += 1
    return max(count, min(1, len(elapsed)))


def learned(cost: VerifyCost, wall: float, elapsed: Sequence[float], passes: int) -> VerifyCost:
    """``cost`` corrected by a verification that ran ``elapsed``'s tests in ``wall`` seconds.

    Only ever upward: a run that went faster than the estimate leaves it as it
    was (the next run may meet more load), one that went slower raises the
    per-case part to what it really was.
    """
    cases = (passes + 1) * len(elapsed)
    if not cases:
        return cost
    own = passes * sum(max(0.0, e) for e in elapsed)
    per_case = (wall - cost.session - own) / cases
    return VerifyCost(max(cost.per_case, per_case), cost.session, cost.measured)
