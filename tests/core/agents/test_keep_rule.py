"""The keep rule's decisions: a new test stays only for code no earlier test reached."""

from __future__ import annotations

from regoose_tui.agents.keep_rule import (
    KEEP_ROUNDS,
    Choice,
    candidate_rounds,
    choose_by_coverage,
    gain_phrase,
    split_repairs,
)
from regoose_tui.domain.feedback import FailedTest
from regoose_tui.runtime.pytest_runner import PytestReport


def _report(arcs: dict[str, tuple[tuple[int, int], ...]]) -> PytestReport:
    return PytestReport(
        status="passed",
        reason="",
        tests=[],
        exit_code=0,
        timed_out=False,
        wall_seconds=1.0,
        output_tail="",
        rounds=3,
        arcs_by_test=arcs,
    )


def test_new_tests_are_kept_in_order_only_for_what_they_add() -> None:
    report = _report(
        {
            "test_old": ((-1, 2), (2, 3)),
            "test_same_as_old": ((-1, 2), (2, 3)),
            "test_negative": ((-1, 2), (2, 4), (4, 5)),
            "test_negative_again": ((-1, 2), (2, 4), (4, 5)),
            "test_zero": ((-1, 2), (2, 4), (4, 6)),
        }
    )
    choice = choose_by_coverage(
        report,
        ["test_old"],
        ["test_same_as_old", "test_negative", "test_negative_again", "test_zero", "test_nothing"],
    )
    assert choice == Choice(
        kept=(
            ("test_negative", "passed 3 of 3 runs in random order; adds lines 4-5"),
            ("test_zero", "passed 3 of 3 runs in random order; adds line 6"),
        ),
        dropped=tuple(
            (name, "adds no coverage (passed 3 of 3 runs in random order, but every line it "
             "reaches is covered)")
            for name in ("test_same_as_old", "test_negative_again", "test_nothing")
        ),
    )  # fmt: skip


def test_a_suspected_bug_stays_whatever_its_coverage() -> None:
    report = _report({"test_old": ((-1, 2),), "test_bug": ((-1, 2),)})
    choice = choose_by_coverage(
        report, ["test_old"], ["test_bug"], always={"test_bug": "suspected bug: x"}
    )
    assert choice.kept == (("test_bug", "suspected bug: x (passed 3 of 3 runs in random order)"),)
    assert choice.dropped == ()


def test_a_branch_with_no_new_line_is_still_a_gain() -> None:
    # Line 2 -> 4 taken for the first time, but lines 2 and 4 were both run before.
    assert gain_phrase({(2, 4)}, {(2, 3), (3, 4)}) == "adds 1 branch transition"


def test_a_failing_test_goes_back_at_most_n_times() -> None:
    failure = FailedTest("test_total", "assert 5 == 4")
    first = split_repairs([failure], {}, 2)
    assert first.send_back == (failure,) and first.counts == {"test_total": 1}
    second = split_repairs([failure], first.counts, 2)
    assert second.send_back == (failure,) and second.counts == {"test_total": 2}
    third = split_repairs([failure], second.counts, 2)
    assert third.send_back == ()
    assert third.given_up == (("test_total", "failed after 2 repairs: assert 5 == 4"),)
    assert split_repairs([failure], {}, 0).given_up[0][1].startswith("failed after 0 repairs")


def test_only_the_offline_engines_first_candidate_runs_as_the_keep_session() -> None:
    assert candidate_rounds("offline", alone=True) == KEEP_ROUNDS
    # A kept suite to merge with, or a model's module that may lose tests first: one run.
    assert candidate_rounds("offline", alone=False) == 1
    assert candidate_rounds("openai/gpt-4o-mini", alone=True) == 1
    assert candidate_rounds(None, alone=True) == 1


def test_a_models_test_must_reach_beyond_what_the_project_tests_run() -> None:
    report = _report(
        {
            "test_positive": ((-1, 2), (2, 3)),
            "test_negative": ((-1, 2), (2, 4), (4, 5)),
        }
    )
    project = ((-1, 2), (2, 3))  # the project's own tests take the positive path
    choice = choose_by_coverage(report, [], ["test_positive", "test_negative"], project=project)
    assert [name for name, _ in choice.kept] == ["test_negative"]
    ((name, why),) = choice.dropped
    assert name == "test_positive"
    assert why.startswith("adds nothing the project's tests don't cover (passed 3 of 3 runs")
    # The gain is said beside what the project already runs: line 2 is not new.
    assert choice.kept[0][1].endswith("adds lines 4-5")
    # The offline engine chose its batch for what the project misses already: unchanged.
    offline = choose_by_coverage(
        report, [], ["test_positive", "test_negative"], greedy=False, project=project
    )
    assert [name for name, _ in offline.kept] == ["test_positive", "test_negative"]
