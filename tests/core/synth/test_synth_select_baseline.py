"""The cover aimed past the project's own tests: their arcs count as covered from the start."""

from __future__ import annotations

from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.select import greedy_cover
from regoose_tui.synth.values import lit

_GRADE = Callee("grade", "function", "grade", "grade", [Param("n", "POSITIONAL_ONLY", False, {})])


def _cand(cid: int, arg: int, returned: str, arcs: tuple[tuple[int, int], ...]) -> Candidate:
    cand = Candidate(cid, _GRADE, ((None, lit(arg)),))
    cand.result = {
        "outcome": "return",
        "value": {"type": "str", "lit": returned},
        "arcs": [list(a) for a in arcs],
    }
    return cand


A = _cand(0, 95, "True", ((-1, 2), (2, 3), (3, -1)))
B = _cand(1, 85, "False", ((-1, 2), (2, 4), (4, 5), (5, -1)))
F = _cand(2, 10, "None", ((-1, 2), (2, 4), (4, 6), (6, -1)))


def test_without_a_baseline_every_behaviour_gets_a_call() -> None:
    assert {c.id for c in greedy_cover([A, B, F])} == {0, 1, 2}


def test_arcs_the_project_tests_run_earn_nothing() -> None:
    # The project's tests already take the first path: only the calls reaching new arcs stay.
    settled = {_GRADE.behaviour_key}
    chosen = greedy_cover([A, B, F], pre_covered=[(-1, 2), (2, 3), (3, -1)], settled=settled)
    assert {c.id for c in chosen} == {1, 2}


def test_a_settled_callee_is_kept_only_for_arcs_not_for_behaviours() -> None:
    covered = [(-1, 2), (2, 3), (3, -1), (2, 4), (4, 5), (5, -1)]
    key = _GRADE.behaviour_key
    assert [c.id for c in greedy_cover([A, B, F], pre_covered=covered, settled={key})] == [2]
    # Not settled: a new return value is still a behaviour worth its test.
    assert {c.id for c in greedy_cover([A, B, F], pre_covered=covered)} == {0, 1, 2}
