"""Two kinds of extra witness the coverage cover misses: shown values and state edges.

Both pick among calls already probed whose output no test of their callee
checks yet (strengthen.py filters them), and both target code whose arcs the
cover already takes, where a changed constant or operator hides:

- ``most_shown``: the call printing the most numbers no test prints yet. A
  message template naming every computed field (``{milliseconds}``,
  ``{minutes}``) checks each computation; the default message shows one.
- ``at_edge``: a call whose argument (or its length) equals a number the
  receiver was built with (``Integer(maximum=5).validate(5)``,
  ``String(min_length=3).validate('xxx')``). Only such an input tells
  ``value > self.maximum`` from ``value >= self.maximum``: the sweep makes
  them (generate.py, the receiver's boundaries), the cover keeps none, since
  they take the arcs a value inside the range takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from regoose_tui.synth.model import Candidate

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
#: A call printing this many numbers no test prints yet earns a test.
_MIN_SHOWN = 2


def printed_numbers(cand: Candidate) -> set[str]:
    """The numbers a call printed (a report, a log line: values the code computed)."""
    return set(_NUMBER.findall(cand.result.get("stdout") or ""))


def most_shown(fresh: list[Candidate], shown: set[str]) -> Candidate | None:
    """The call printing the most numbers not in ``shown`` (at least two), shortest first."""
    best: Candidate | None = None
    best_score: tuple[int, int] | None = None
    for cand in fresh:
        new = len(printed_numbers(cand) - shown)
        if new < _MIN_SHOWN:
            continue
        score = (-new, len(cand.call) + sum(map(len, cand.setup)))
        if best_score is None or score < best_score:
            best, best_score = cand, score
    return best


def _numbers(values: list[object]) -> set[float]:
    return {float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)}


def state_numbers(cand: Candidate) -> set[float]:
    """The numbers the call's receiver was built with (``Integer(maximum=5)``: 5)."""
    recipe = cand.receiver.recipe if cand.receiver is not None else None
    if not isinstance(recipe, Candidate):
        return set()
    return _numbers([v.obj for _, v in recipe.args if v.is_literal])


def edge_distance(cand: Candidate) -> int | None:
    """0 when an argument (or its length) equals a receiver number, 1 when it is next to one."""
    state = state_numbers(cand)
    if not state:
        return None
    found: list[object] = []
    for _, val in cand.args:
        if not val.is_literal:
            continue
        obj = val.obj
        found.append(len(obj) if isinstance(obj, str | list | tuple | dict) else obj)
    mine = _numbers(found)
    if mine & state:
        return 0
    if any(abs(a - b) == 1 for a in mine for b in state):
        return 1
    return None


def at_edge(fresh: list[Candidate], weight: Callable[[Candidate], int]) -> Candidate | None:
    """The call at an edge of its receiver's numbers: equal before next to, shortest first."""
    best: Candidate | None = None
    best_score: tuple[int, int, int] | None = None
    for cand in fresh:
        if cand.origin != "boundary":
            continue
        distance = edge_distance(cand)
        if distance is None:
            continue
        score = (distance, 0 if cand.result.get("outcome") == "return" else 1, weight(cand))
        if best_score is None or score < best_score:
            best, best_score = cand, score
    return best
