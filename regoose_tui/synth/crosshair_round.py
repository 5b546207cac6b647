"""When the solver step runs, on which functions, and what its answers become.

The explorer's last search phase leaves the step a reserve when some function
with untaken arcs suits CrossHair (``solver_reserve``); after the plateau,
``solver_round`` sends those functions to the sandboxed solver
(crosshair_solve.py), most untaken arcs first, and probes every answer as a
candidate call: the explorer keeps one only when it reaches new arcs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from regoose_tui.synth.crosshair_solve import (
    MIN_BOX,
    ON_RECEIVER,
    SolverTarget,
    answer_args,
    solve,
    usable,
)
from regoose_tui.synth.model import Callee, Candidate

if TYPE_CHECKING:  # explore.py calls into this module
    from regoose_tui.synth.explore import Explorer

#: The whole step: at most this share of the time left to the engine's deadline, and
#: never more than _TOTAL_CAP seconds; less than _MIN_TOTAL is not worth loading z3 for.
_SHARE = 0.25
_TOTAL_CAP = 20.0
_MIN_TOTAL = 3.0
#: Kept free before the step's end for probing what CrossHair found.
_PROBE_RESERVE = 2.0
#: The step may run past the exploration's deadline by this share of the time left after
#: it (the simplifying and the verification keep the rest): exploration often takes its
#: whole share, and the solver is what can still find the arcs the search could not.
_PAST_SHARE = 0.2
#: Targets a seeded run sends (a count, so that two runs send the same ones).
_SEEDED_TARGETS = 6
#: The share of the last search phase's time kept for the step when it has work, at
#: least _MIN_RESERVE seconds when that leaves the search _MIN_SEARCH seconds of its own.
_RESERVE_SHARE = 0.35
_MIN_RESERVE = 6.0
_MIN_SEARCH = 4.0


def solver_reserve(explorer: Explorer, until: float) -> float:
    """Seconds before ``until`` the last search phase leaves the solver (0 when it has no work)."""
    # Seeded: the search phases are bounded by round counts, not by this clock.
    if explorer.complete or explorer.reproducible or not _targets(explorer)[0]:
        return 0.0
    left = until - time.monotonic()
    reserve = min(_TOTAL_CAP + _PROBE_RESERVE, max(left * _RESERVE_SHARE, _MIN_RESERVE))
    if left - reserve < _MIN_SEARCH:
        reserve = left * _RESERVE_SHARE
    # One more second: the last search round may run past the phase's stop by up to one.
    return reserve if reserve >= _MIN_TOTAL + _PROBE_RESERVE + 1.0 else 0.0


def _targets(explorer: Explorer) -> tuple[list[tuple[int, Callee]], dict[str, list[str]]]:
    """(untaken arcs, callee) for the callees that suit CrossHair; why the others do not."""
    fit: list[tuple[int, Callee]] = []
    unfit: dict[str, list[str]] = {}
    if explorer.complete or explorer.goal.empty:
        return fit, unfit
    open_lines = [a for a, _ in explorer.goal.open_arcs(explorer.covered)]
    unfinished = explorer._unfinished()
    for callee in explorer.callees:
        info = callee.info
        if callee.key not in unfinished or info is None:
            continue
        why = usable(callee, explorer.ctx.instances.get(callee.owner or "") or None)
        if why is not None:
            unfit.setdefault(why, []).append(callee.key)
            continue
        missed = sum(1 for ln in open_lines if info.lineno <= ln <= info.end_lineno)
        fit.append((missed, callee))
    return fit, unfit


def _bases(explorer: Explorer, callee: Callee) -> list[Candidate | None]:
    """What a callee runs on: nothing for a plain call; for a method, up to two states.

    The instance the greedy cover ranked first (explore.py), and the state of
    the latest call of this method that reached new code after other method
    calls (``cart.add(...)`` before ``cart.remove(...)``): the untaken arcs of
    a method often need both an argument and a state.
    """
    if callee.kind not in ON_RECEIVER:
        return [None]
    bases: list[Candidate | None] = []
    instances = explorer.ctx.instances.get(callee.owner or "", [])
    if instances:
        var = explorer.gen.var_for(callee)
        bases.append(Candidate(-1, callee, receiver=instances[0], var=var))
    stateful = [c for c in explorer.productive if c.callee.key == callee.key and c.prior]
    if stateful:
        last = stateful[-1]
        bases.append(Candidate(-1, callee, receiver=last.receiver, prior=last.prior, var=last.var))
    return bases


async def solver_round(explorer: Explorer, until: float) -> int:
    """After the plateau: solve for the functions that still hold untaken arcs, probe the answers.

    ``until`` is the exploration's deadline; the step may run a little past it
    (``_PAST_SHARE``), never past the engine's own deadline.

    Returns how many new arcs the answers reached. Skipped (one progress line
    saying why) when nothing is left, no unfinished function suits CrossHair,
    or the time left is too short.
    """
    fit, unfit = _targets(explorer)
    if unfit:
        reasons = "; ".join(f"{why} ({', '.join(keys[:4])})" for why, keys in unfit.items())
        explorer.say(f"CrossHair skips {sum(map(len, unfit.values()))} functions: {reasons}")
    if not fit:
        return 0
    now = time.monotonic()
    end = until + _PAST_SHARE * max(0.0, explorer.prober.deadline - until)
    seconds = min(_TOTAL_CAP, end - now - _PROBE_RESERVE, explorer.prober.remaining() * _SHARE)
    if seconds < _MIN_TOTAL:
        explorer.say("CrossHair skipped: too little time left in the budget")
        return 0
    # Most arcs left first, then source order: the same functions in the same order every run.
    fit.sort(key=lambda mc: (-mc[0], mc[1].lineno, mc[1].key))
    targets: list[SolverTarget] = []
    for _, callee in fit:
        for n, base in enumerate(_bases(explorer, callee), start=1):
            targets.append(
                SolverTarget(callee, callee.key if n == 1 else f"{callee.key}#{n}", base)
            )
    # Seeded: a fixed count of targets, whatever the clock says (their answers must repeat).
    room = _SEEDED_TARGETS if explorer.reproducible else max(1, int(seconds // MIN_BOX))
    targets = targets[:room]
    functions = len({t.callee.key for t in targets})
    explorer.say(f"asking CrossHair for inputs of {functions} functions ({seconds:.1f} s)")
    outcome = await solve(
        explorer.prober,
        targets,
        seconds=seconds,
        seeded=explorer.reproducible,
        say=explorer.say,
        names=explorer.ctx.symbols.names(),
    )
    cands: list[Candidate] = []
    for target in targets:
        callee, base = target.callee, target.base
        for answer in outcome.answers.get(target.label, []):
            args = answer_args(callee, answer, explorer.ctx.symbols)
            if args is None:
                continue
            extra: dict[str, Any] = {}
            if base is not None:
                extra = {"receiver": base.receiver, "prior": base.prior, "var": base.var}
            cand = explorer.gen.make(callee, explorer.gen._assemble(callee, args), **extra)
            if cand is not None:
                cand.origin = "solver"
                cands.append(cand)
    if not cands:
        return 0
    return await explorer.run(cands, end)
