"""A later round's goal: what the kept suite left open, so it stops once it took that."""

from __future__ import annotations

from regoose_tui.synth.goal import coverage_goal

SOURCE = """\
def kind(x):
    if x > 0:
        return "positive"
    if x < 0:
        return "negative"
    return "zero"
"""


def test_the_goal_left_holds_only_the_arcs_the_kept_suite_missed() -> None:
    goal = coverage_goal(SOURCE)
    # A kept suite that ran kind(3) only: lines 4-6 never ran, branch 2->4 not taken.
    left = goal.left_by(missing_lines=[4, 5, 6], missing_branches=[(2, 4)])
    assert (2, 4) in left.inner and (4, 5) in left.inner and (4, 6) in left.inner
    assert (2, 3) not in left.inner  # the kept suite took it
    assert 3 not in left.exits_from and {5, 6} <= left.exits_from
    # What a round's probes take from those alone reaches the goal left.
    assert left.reached({(2, 4), (4, 5), (5, -1), (4, 6), (6, -1)})
    assert not goal.reached({(2, 4), (4, 5), (5, -1), (4, 6), (6, -1)})


def test_nothing_left_in_the_bodies_keeps_the_whole_goal() -> None:
    goal = coverage_goal(SOURCE)
    assert goal.left_by(missing_lines=[], missing_branches=[]) == goal
