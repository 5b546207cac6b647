"""Validator: keep a test only if it passes 3 runs in random order and adds coverage.

A candidate module's failing tests are cut out (and sent back for repair, up
to ``max_repairs`` times each), except crashes inside the code under test:
those are suspected bugs, kept as strict xfail (domain/suspects.py). What is
left is merged into the suite kept so far and run ONCE, every test
``KEEP_ROUNDS`` times in seeded random order (runtime/keep_plugin.py): a test
that fails some runs is flaky and goes, one that fails every run goes as
failing. Of the new tests that passed, each is kept only if it reaches code
no earlier test reached (coverage.py's per-test contexts); every kept and
dropped test carries the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.agents.executor import ExecuteInput, Execution, ExecutorAgent
from regoose_tui.agents.keep_reuse import reusable_keep_session, tidy_suite
from regoose_tui.agents.keep_rule import (
    DEFAULT_REPAIRS,
    KEEP_ROUNDS,
    NO_COVERAGE,
    choose_by_coverage,
    passed_phrase,
    runs_of,
    split_repairs,
    without_tests,
)
from regoose_tui.bus.events import CoverageUpdated, TestOutcome
from regoose_tui.domain.drops import DUPLICATE_REASON
from regoose_tui.domain.feedback import FailedTest, Feedback
from regoose_tui.domain.suite_edit import list_test_names, merge_suites, remove_tests
from regoose_tui.domain.suspects import (
    REASON_PREFIX,
    SuspectedBug,
    mark_xfail,
    source_of_test,
    strict_xfail_tests,
    suspect_failure,
)
from regoose_tui.domain.target import TargetModule
from regoose_tui.domain.test_identity import name_in_file, project_node_id
from regoose_tui.runtime.keep_runs import FLAKY_PREFIX, is_flaky
from regoose_tui.runtime.pytest_runner import PytestReport

#: Keep-rule sessions before the merged suite is given up on (each drops what failed).
MAX_CLEANUP_ROUNDS = 3
#: The shortest timeout a keep session gets, however little of the deadline is left.
MIN_RUN_SECONDS = 5.0


@dataclass(frozen=True)
class KeptSuite:
    """The tests kept so far and what they achieve."""

    source: str
    tests: tuple[str, ...]
    line_percent: float
    branch_percent: float
    report: PytestReport | None = None

    @property
    def score(self) -> float:
        return self.line_percent + self.branch_percent


@dataclass(frozen=True)
class ValidateInput:
    target: TargetModule
    candidate_source: str
    candidate: Execution
    kept: KeptSuite | None
    file_name: str
    #: Where this iteration's reruns go, relative to the session's work folder.
    folder: PurePosixPath
    #: The file the suite is written to (or will be): live outcomes are named after it.
    written_as: Path | None = None
    #: Runs of every test in the keep session, and the seed of their random order.
    rounds: int = KEEP_ROUNDS
    seed: int = 0
    #: Times a failing test is sent back for repair, and how often each already was.
    max_repairs: int = DEFAULT_REPAIRS
    repairs: Mapping[str, int] = field(default_factory=dict)
    #: Judge each new test against its batch-mates too (a model's tests); False for
    #: the offline engine's own cover (see keep_rule.choose_by_coverage).
    greedy: bool = True
    #: What the project's own tests run (their arcs): a model's test must reach beyond.
    baseline: Feedback | None = None
    #: Monotonic time by which its keep sessions must end (the session's deadline, with
    #: a little slack): each run's timeout is what is left of it. None: no bound.
    deadline: float | None = None


@dataclass(frozen=True)
class Validation:
    """What the validator decided this iteration."""

    kept: KeptSuite | None
    added: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]
    improved: bool
    feedback: Feedback
    failures: tuple[FailedTest, ...] = field(default=())
    #: Why each newly kept test stays (``passed 3 of 3 runs in random order; adds line 7``).
    kept_why: tuple[tuple[str, str], ...] = ()
    #: Repairs asked so far, per test name (carried to the next iteration).
    repairs: Mapping[str, int] = field(default_factory=dict)
    #: Failing tests this iteration locked in as strict xfail (suspected bugs).
    suspects: tuple[SuspectedBug, ...] = ()
    #: Wall seconds of the keep-rule session(s) this iteration.
    check_seconds: float = 0.0
    #: Flaky tests dropped this iteration.
    flaky: int = 0


def suite_name(nodeid: str) -> str:
    """`tests/test_x.py::TestA::test_b[1]` -> `TestA::test_b` (the name in the module)."""
    parts = nodeid.split("::")
    name = "::".join(parts[1:]) if len(parts) > 1 else parts[0]
    return name.split("[", 1)[0]


def collection_failed(report: PytestReport) -> bool:
    """True when pytest could not run the module's tests one by one (nothing to salvage)."""
    if report.status in ("error", "no_tests", "timed_out"):
        return True
    return any(case.outcome == "error" and "::" not in case.nodeid for case in report.tests)


def line_percent(report: PytestReport | None) -> float:
    """Line coverage of the target, 0 when unmeasured."""
    return (report.line_percent or 0.0) if report else 0.0


def branch_percent(report: PytestReport | None) -> float:
    """Branch coverage of the target, 0 when unmeasured (or 100 for branch-free code)."""
    if report is None or report.coverage is None:
        return 0.0
    value = report.branch_percent
    return 100.0 if value is None else value


def _failed(report: PytestReport) -> list[tuple[str, str, str]]:
    return [
        (suite_name(case.nodeid), case.message or case.outcome, case.traceback or "")
        for case in report.tests
        if case.outcome in ("failed", "error")
    ]


class ValidatorAgent(BaseAgent[ValidateInput, Validation]):
    """Decides which tests stay: passing, stable, and adding coverage."""

    name = "validator"
    capabilities = ("keep-repair-drop", "flaky-rerun", "coverage-gate")

    def __init__(self, context: AgentContext, executor: ExecutorAgent) -> None:
        super().__init__(context)
        self.executor = executor

    async def run(self, value: ValidateInput) -> Validation:
        dropped: list[tuple[str, str]] = []
        report = value.candidate.report
        if collection_failed(report):
            reason = report.reason or "the module could not be collected"
            self.progress(f"candidate dropped: {reason}")
            return self._unchanged(
                value, [("<module>", reason)], [FailedTest("<module>", reason)], value.repairs
            )
        source = value.candidate_source
        failing = _failed(report)
        suspects: list[SuspectedBug] = []
        plain: list[FailedTest] = []
        for name, message, traceback in failing:
            failure = FailedTest(name, message, traceback, source_of_test(source, name))
            suspect = suspect_failure(
                failure, value.target.path, value.target.source, value.candidate_source
            )
            if suspect is None:
                plain.append(failure)
            else:
                suspects.append(suspect)
        for suspect in suspects:
            # The test's expectation stays; the crash is locked in as a strict xfail.
            source = mark_xfail(
                source, suspect.test, f"{REASON_PREFIX}: {suspect.why}", suspect.exception
            )
            self.progress(
                f"{suspect.test}: suspected bug, kept as strict xfail ({suspect.observed})"
            )
        split = split_repairs(plain, value.repairs, value.max_repairs)
        dropped.extend((f.name, f"failed: {f.message}") for f in split.send_back)
        dropped.extend(split.given_up)
        failures = list(split.send_back)
        source = remove_tests(source, [f.name for f in plain])
        new_names = list_test_names(source)
        if not new_names:
            self.progress("no candidate test passed")
            return self._unchanged(value, dropped, failures, split.counts)
        merged = merge_suites(value.kept.source, source) if value.kept else source
        duplicates = _duplicates(new_names, merged)
        dropped.extend((name, DUPLICATE_REASON) for name in duplicates)
        started = time.monotonic()
        reused = reusable_keep_session(
            value.candidate.report,
            value.kept is None,
            merged == value.candidate_source,
            rounds=value.rounds,
            seed=value.seed,
        )
        final: tuple[str, PytestReport] | None
        more_dropped: list[tuple[str, str]]
        if reused is not None:
            # The candidate run already was this very keep session (same module, same
            # rounds, same seed, no run failed): running it again proves nothing new.
            final, more_dropped = (merged, reused), []
        else:
            final, more_dropped = await self._stabilise(value, merged)
        check_seconds = time.monotonic() - started
        dropped.extend(more_dropped)
        flaky = sum(1 for _, why in more_dropped if why.startswith(FLAKY_PREFIX))
        if final is None:
            return self._unchanged(value, dropped, failures, split.counts, check_seconds, flaky)
        merged_source, merged_report = final
        kept_before = set(value.kept.tests) if value.kept else set()
        names = list_test_names(merged_source)
        added = [n for n in names if n not in kept_before]
        xfails = {
            name: reason
            for name, reason in strict_xfail_tests(merged_source).items()
            if name in added
        }
        if merged_report.arcs_by_test:
            choice = choose_by_coverage(
                merged_report,
                [n for n in names if n in kept_before],
                added,
                always=xfails,
                greedy=value.greedy,
                project=value.baseline.covered_arcs if value.baseline else (),
            )
            kept_why = list(choice.kept)
            dropped.extend(choice.dropped)
            useless = [name for name, _ in choice.dropped]
            if useless:
                merged_source = remove_tests(merged_source, useless)
                merged_report = without_tests(merged_report, set(useless))
        else:
            # No per-test coverage (a folder target, no coverage): the whole suite must grow.
            kept_why = [(n, passed_phrase(merged_report.rounds)) for n in added]
        if merged_source != value.candidate_source:
            # Merged with the kept suite or cut down: blank lines and imports as ruff wants.
            merged_source = await tidy_suite(value.target, value.written_as, merged_source)
        names = list_test_names(merged_source)
        candidate_suite = KeptSuite(
            merged_source,
            tuple(names),
            line_percent(merged_report),
            branch_percent(merged_report),
            merged_report,
        )
        added = [n for n in names if n not in kept_before]
        new_suspects = tuple(s for s in suspects if s.test in added)
        if value.kept is not None and (
            not added
            or (not merged_report.arcs_by_test and candidate_suite.score <= value.kept.score)
        ):
            dropped.extend((n, NO_COVERAGE) for n in added)
            self.progress(f"{len(added)} new tests add no coverage; kept the previous suite")
            return self._unchanged(value, dropped, failures, split.counts, check_seconds, flaky)
        if not added:
            # Every test of a first round reached only what the project's tests run.
            self.progress("no new test adds coverage")
            return self._unchanged(value, dropped, failures, split.counts, check_seconds, flaky)
        self._announce_outcomes(value, tuple(added), dropped)
        self._announce_coverage(value.target, merged_report)
        self.progress(
            f"kept {len(names)} tests (+{len(added)}), dropped {len(dropped)}; "
            f"{candidate_suite.line_percent:.0f}% lines, {candidate_suite.branch_percent:.0f}% branches"
        )
        return Validation(
            kept=candidate_suite,
            added=tuple(added),
            dropped=tuple(dropped),
            improved=True,
            feedback=_feedback(candidate_suite, failures),
            failures=tuple(failures),
            kept_why=tuple((n, why) for n, why in kept_why if n in added),
            repairs=split.counts,
            suspects=new_suspects,
            check_seconds=check_seconds,
            flaky=flaky,
        )

    async def _stabilise(
        self, value: ValidateInput, source: str
    ) -> tuple[tuple[str, PytestReport] | None, list[tuple[str, str]]]:
        """One keep session: every test ``rounds`` times in random order; drop what failed.

        A session where something failed is repeated without it (what is left
        must again pass every run), at most MAX_CLEANUP_ROUNDS times.
        """
        dropped: list[tuple[str, str]] = []
        for round_number in range(MAX_CLEANUP_ROUNDS):
            if not list_test_names(source):
                return None, dropped
            execution = await self.executor.execute(
                ExecuteInput(
                    target=value.target,
                    test_source=source,
                    file_name=value.file_name,
                    folder=value.folder / f"check{round_number}",
                    label="validate",
                    rounds=value.rounds,
                    seed=value.seed + round_number,
                    **_timeout(value.deadline),
                )
            )
            report = execution.report
            if collection_failed(report):
                dropped.append(("<module>", report.reason or "collection failed"))
                return None, dropped
            failing = _failed(report)
            if not failing:
                return (source, report), dropped
            for name, message, _ in failing:
                outcomes = runs_of(report, name)
                if is_flaky(outcomes):
                    # fold_runs already wrote "flaky: failed K of N runs in random order: ..."
                    dropped.append((name, message))
                else:
                    dropped.append((name, f"failed: {message}"))
            source = remove_tests(source, [name for name, *_ in failing])
        return None, dropped

    def _announce_coverage(self, target: TargetModule, report: PytestReport) -> None:
        self.context.emit(
            CoverageUpdated(
                target=str(target.path),
                line_percent=line_percent(report),
                branch_percent=branch_percent(report),
                missing_lines=tuple(report.missing_lines),
                session_id=self.context.session_id,
            )
        )

    def _announce_outcomes(
        self, value: ValidateInput, added: tuple[str, ...], dropped: list[tuple[str, str]]
    ) -> None:
        session_id = self.context.session_id

        def node(name: str) -> str:
            # The same identity as the records and reports: the written file's node id.
            if value.written_as is None:
                return name
            return project_node_id(value.written_as, value.target.test_root, name_in_file(name))

        for name in added:
            self.context.emit(
                TestOutcome(nodeid=node(name), outcome="passed", session_id=session_id)
            )
        for name, reason in dropped:
            self.context.emit(
                TestOutcome(
                    nodeid=node(name), outcome="dropped", message=reason, session_id=session_id
                )
            )

    def _unchanged(
        self,
        value: ValidateInput,
        dropped: list[tuple[str, str]],
        failures: list[FailedTest],
        repairs: Mapping[str, int],
        check_seconds: float = 0.0,
        flaky: int = 0,
    ) -> Validation:
        self._announce_outcomes(value, (), dropped)
        kept = value.kept
        return Validation(
            kept=kept,
            added=(),
            dropped=tuple(dropped),
            improved=False,
            feedback=_feedback(kept, failures),
            failures=tuple(failures),
            repairs=dict(repairs),
            check_seconds=check_seconds,
            flaky=flaky,
        )

    def summarize(self, result: Validation) -> str:
        kept = len(result.kept.tests) if result.kept else 0
        return f"kept {kept} tests, +{len(result.added)} new, dropped {len(result.dropped)}"


def _timeout(deadline: float | None) -> dict[str, float]:
    """The ExecuteInput timeout a run gets when it must end by ``deadline`` (none: default)."""
    if deadline is None:
        return {}
    return {"timeout_seconds": max(MIN_RUN_SECONDS, deadline - time.monotonic())}


def _duplicates(new: list[str], merged: str) -> list[str]:
    """Candidate tests merge_suites left out: the suite has their body under another name.

    A test regenerated with the same name and body is the kept test itself
    (same node id), not a drop; a clashing name with a new body is renamed and
    kept, so only names missing from the merge are duplicates.
    """
    merged_names = set(list_test_names(merged))
    return [name for name in new if name not in merged_names]


def _feedback(kept: KeptSuite | None, failures: list[FailedTest]) -> Feedback:
    if kept is None or kept.report is None:
        return Feedback(failed=tuple(failures))
    report = kept.report
    return Feedback(
        kept_test_source=kept.source,
        failed=tuple(failures),
        missing_lines=tuple(report.missing_lines),
        missing_branches=tuple(report.missing_branches),
        line_percent=kept.line_percent,
        branch_percent=kept.branch_percent,
    )
