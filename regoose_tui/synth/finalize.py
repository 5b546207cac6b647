"""Determinism check: re-run the chosen calls in two fresh processes and keep what agrees.

The two runs use different hash seeds and random seeds, and the second one
shifts the clocks (``time.time``, ``perf_counter``...), so values that depend
on time, randomness or set ordering differ and lose their exact assertion
(the test then checks the type only). Calls run in the final test order, as
pytest will run them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from regoose_tui.synth.clock import ClockReads
from regoose_tui.synth.model import Candidate
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import CHECK_RUNS, Prober
from regoose_tui.synth.render import Observation
from regoose_tui.synth.select import USABLE

_CHECK_TIMEOUT = 3.0
_MIN_CHECK_SECONDS = 20.0


def _prepare(chosen: list[Candidate]) -> None:
    """Unwrap results the test cannot compare directly (generators, coroutines)."""
    for cand in chosen:
        value = cand.result.get("value") or {}
        if cand.wrap:
            continue
        if value.get("coroutine"):
            cand.wrap = "asyncio"
        elif value.get("iterator") and cand.callee.kind != "dunder":
            cand.wrap = "list"


async def observations(
    prober: Prober,
    chosen: list[Candidate],
    symbols: SymbolTable,
    clock: ClockReads | None = None,
) -> list[Observation]:
    """Observations for the chosen candidates that behaved the same in both runs.

    A call whose exploration ran a line reading ``clock`` runs both times with
    the fake clock its test installs (synth/clock.py), so its timings agree.
    """
    if not chosen:
        return []
    _prepare(chosen)
    if clock is not None and clock.reads:
        for cand in chosen:
            cand.clock = clock.read_by(cand.result.get("arcs", []))
    specs = [c.probe_spec() for c in chosen]
    names = symbols.names()
    # Checking always gets its time, even when exploration used up the budget.
    wall = max(_MIN_CHECK_SECONDS, prober.remaining() * 0.5)
    # Both at once, each in its own sandbox (started ahead with the target imported:
    # Prober.start_ahead), with its own hash seed, random seed and clocks.
    first, second = await asyncio.gather(
        *(
            prober.run(
                specs,
                names,
                trace=False,
                call_timeout=_CHECK_TIMEOUT,
                hash_seed=seed,
                random_seed=seed,
                perturb_time=perturb,
                wall=wall,
            )
            for seed, perturb in CHECK_RUNS
        )
    )
    out = []
    for cand in chosen:
        obs = compare(cand, first.get(cand.id), second.get(cand.id))
        if obs is not None:
            out.append(obs)
    return out


def compare(
    cand: Candidate, one: dict[str, Any] | None, two: dict[str, Any] | None
) -> Observation | None:
    """What both runs agree on, or None when they disagree on the outcome itself."""
    if not one or not two:
        return None
    outcome = one.get("outcome")
    if outcome not in USABLE or outcome != two.get("outcome"):
        return None
    obs = Observation(cand, one)
    if outcome == "raise":
        e1, e2 = one.get("exc") or {}, two.get("exc") or {}
        if e1.get("name") != e2.get("name"):
            return None
        obs.msg_stable = e1.get("msg") == e2.get("msg")
    if outcome == "return":
        v1, v2 = one.get("value") or {}, two.get("value") or {}
        if v1.get("type") != v2.get("type"):
            return None
        obs.value_stable = v1.get("lit") == v2.get("lit") and v1.get("nan") == v2.get("nan")
        obs.len_stable = v1.get("len") == v2.get("len")
        a1, a2 = v1.get("attrs") or {}, v2.get("attrs") or {}
        obs.stable_result_attrs = {k: v for k, v in a1.items() if a2.get(k) == v}
        # Another hash seed, another clock: a repr that survives both is the object's own.
        if v1.get("repr") and v1.get("repr") == v2.get("repr"):
            obs.stable_repr = str(v1["repr"])
    o1, o2 = one.get("observed") or {}, two.get("observed") or {}
    for var, attrs in o1.items():
        other = o2.get(var) or {}
        obs.stable_attrs[var] = {k: v for k, v in attrs.items() if other.get(k) == v}
    out1, out2 = one.get("stdout"), two.get("stdout")
    if out1 and out1 == out2 and len(out1) <= 400:
        obs.stdout = out1
    elif out1 and out2 and len(out1) <= 400:
        # Timings and ids differ between runs; the lines around them still say something.
        lines1, lines2 = out1.splitlines(), out2.splitlines()
        if len(lines1) == len(lines2):
            agreed: dict[int, str] = {}
            for i, (a, b) in enumerate(zip(lines1, lines2, strict=True)):
                pattern = a if a == b else digits_pattern(a, b)
                if pattern is not None and len(agreed) < 4:
                    agreed[i] = pattern if a != b else a
                    if a != b:
                        obs.stdout_patterns.add(i)
            if agreed:
                obs.stdout_lines = (len(lines1), agreed)
    return obs


def digits_pattern(one: str, two: str) -> str | None:
    """A regex matching both lines when they differ only in their numbers, else None."""
    if re.sub(r"\d+", "0", one) != re.sub(r"\d+", "0", two):
        return None
    parts = (re.escape(part).replace("\\ ", " ") for part in re.split(r"\d+", one))
    return r"\d+".join(parts)
