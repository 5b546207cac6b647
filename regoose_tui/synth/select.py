"""Greedy set cover: the few candidates that reach the most code and behaviours.

Features of a candidate are the line transitions (arcs) it executed in the
target plus one "behaviour" feature per (callee, outcome class): returning
True and returning False are two behaviours worth a test each even when they
run the same lines, and so are two different exception types.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from regoose_tui.synth.model import Candidate
from regoose_tui.synth.strengthen import checks, is_identity

USABLE = frozenset({"return", "raise", "stmt"})


def outcome_class(result: dict[str, Any]) -> str:
    """A coarse label of what a call did: ``raise:ValueError``, ``return:True``, ``return:str``."""
    outcome = result.get("outcome")
    if outcome == "raise":
        exc = result.get("exc") or {}
        if exc.get("origin") != "target":
            # Errors from deeper code (bad input to a library call) count once per callee.
            return "raise:elsewhere"
        return f"raise:{exc.get('name')}"
    if outcome == "stmt":
        return "stmt"
    value = result.get("value") or {}
    literal = value.get("lit")
    if literal in ("True", "False", "None", "0", "''", "[]", "{}", "()", "1", "-1"):
        return f"return:{literal}"
    return f"return:{value.get('type')}"


def features(cand: Candidate) -> set[Hashable]:
    """What a candidate contributes to the cover."""
    behaviour = outcome_class(cand.result)
    arcs = cand.result.get("arcs", [])
    if behaviour == "raise:elsewhere":
        # The exceptional exit of a crash on garbage input is no branch of the code.
        arcs = [a for a in arcs if a[1] >= 0]
    found: set[Hashable] = {tuple(a) for a in arcs}
    if behaviour != "raise:elsewhere":
        # A builtin choking on garbage input is not a behaviour of the code under test:
        # such a call is kept only when it reaches code nothing else reaches.
        found.add(("behaviour", cand.callee.behaviour_key, behaviour))
    return found


def usable(cand: Candidate) -> bool:
    """True when the call finished (returned or raised) and is worth a test."""
    return cand.result.get("outcome") in USABLE


def greedy_cover(
    candidates: Iterable[Candidate],
    *,
    per_callee: int = 10,
    total: int = 250,
    pre_covered: Iterable[tuple[int, int]] = (),
    settled: AbstractSet[str] = frozenset(),
) -> list[Candidate]:
    """Pick candidates by most new features; ties go to shorter, earlier calls.

    ``pre_covered`` arcs (what the project's own tests run) count as covered
    from the start, and callees whose ``behaviour_key`` is in ``settled`` (the
    project's tests run them) earn nothing for their behaviours: a call of
    one is chosen only for arcs the project's tests miss.

    Lazy greedy: a candidate's gain only shrinks as the cover grows, so a
    stale heap entry is re-scored only when it reaches the top.
    """
    pool = [c for c in candidates if usable(c)]
    feats = {c.id: features(c) for c in pool}
    for cand in pool:
        if cand.callee.behaviour_key in settled:
            feats[cand.id] = {f for f in feats[cand.id] if not _is_behaviour(f)}
    by_id = {c.id: c for c in pool}
    heap = [(-len(feats[c.id]), _cost(c), c.id) for c in pool]
    heapq.heapify(heap)
    covered: set[Hashable] = set(pre_covered)
    chosen: list[Candidate] = []
    counts: dict[str, int] = {}
    while heap and len(chosen) < total:
        _neg_gain, cost, cid = heapq.heappop(heap)
        cand = by_id[cid]
        key = cand.callee.behaviour_key
        if counts.get(key, 0) >= per_callee:
            continue
        gain = len(feats[cid] - covered)
        if gain == 0:
            continue
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, cost, cid))
            continue
        chosen.append(cand)
        covered |= feats[cid]
        counts[key] = counts.get(key, 0) + 1
    return chosen


def _is_behaviour(feature: Hashable) -> bool:
    return isinstance(feature, tuple) and bool(feature) and feature[0] == "behaviour"


def _cost(cand: Candidate) -> tuple[int, int, int, int]:
    # Among equals, prefer calls whose test asserts more (value, output, state), then
    # calls that transform their input over ones that echo it, then short ones.
    return (
        -min(3, checks(cand)),
        int(is_identity(cand)),
        len(cand.call) + sum(map(len, cand.setup)),
        cand.id,
    )


def arcs_of(candidates: Iterable[Candidate]) -> set[tuple[int, int]]:
    """Union of the arcs the candidates executed."""
    found: set[tuple[int, int]] = set()
    for cand in candidates:
        found.update(tuple(a) for a in cand.result.get("arcs", []))
    return found
