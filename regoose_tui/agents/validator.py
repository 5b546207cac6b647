"""Validator: keep passing tests that add coverage, drop failing and flaky ones.

A candidate module's failing tests are cut out; what is left is merged into
the suite kept so far and run twice (a test that fails either time is flaky
and goes). The merged suite replaces the kept one only when it covers more of
the target; otherwise the new tests are dropped as adding nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.agents.executor import ExecuteInput, Execution, ExecutorAgent
from regoose_tui.bus.events import CoverageUpdated, TestOutcome
from regoose_tui.domain.drops import DUPLICATE_REASON
from regoose_tui.domain.feedback import FailedTest, Feedback
from regoose_tui.domain.suite_edit import list_test_names, merge_suites, remove_tests
from regoose_tui.domain.target import TargetModule
from regoose_tui.domain.test_identity import name_in_file, project_node_id
from regoose_tui.runtime.pytest_runner import PytestReport

#: Repair rounds before a candidate is given up on.
MAX_CLEANUP_ROUNDS = 3


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


@dataclass(frozen=True)
class Validation:
    """What the validator decided this iteration."""

    kept: KeptSuite | None
    added: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]
    improved: bool
    feedback: Feedback
    failures: tuple[FailedTest, ...] = field(default=())


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
        failures: list[FailedTest] = []
        report = value.candidate.report
        if collection_failed(report):
            reason = report.reason or "the module could not be collected"
            self.progress(f"candidate dropped: {reason}")
            return self._unchanged(value, [("<module>", reason)], [FailedTest("<module>", reason)])
        source = value.candidate_source
        for name, message, traceback in _failed(report):
            dropped.append((name, f"failed: {message}"))
            failures.append(FailedTest(name, message, traceback))
        source = remove_tests(source, [name for name, *_ in _failed(report)])
        new_names = list_test_names(source)
        if not new_names:
            self.progress("no candidate test passed")
            return self._unchanged(value, dropped, failures)
        merged = merge_suites(value.kept.source, source) if value.kept else source
        duplicates = _duplicates(new_names, merged)
        dropped.extend((name, DUPLICATE_REASON) for name in duplicates)
        final, more_dropped = await self._stabilise(value, merged)
        dropped.extend(more_dropped)
        if final is None:
            return self._unchanged(value, dropped, failures)
        merged_source, merged_report = final
        kept_before = set(value.kept.tests) if value.kept else set()
        names = tuple(list_test_names(merged_source))
        candidate_suite = KeptSuite(
            merged_source,
            names,
            line_percent(merged_report),
            branch_percent(merged_report),
            merged_report,
        )
        added = tuple(n for n in names if n not in kept_before)
        if value.kept is not None and candidate_suite.score <= value.kept.score:
            dropped.extend((n, "adds no coverage") for n in added)
            self.progress(f"{len(added)} new tests add no coverage; kept the previous suite")
            return self._unchanged(value, dropped, failures)
        self._announce_outcomes(value, added, dropped)
        self._announce_coverage(value.target, merged_report)
        self.progress(
            f"kept {len(names)} tests (+{len(added)}), dropped {len(dropped)}; "
            f"{candidate_suite.line_percent:.0f}% lines, {candidate_suite.branch_percent:.0f}% branches"
        )
        return Validation(
            kept=candidate_suite,
            added=added,
            dropped=tuple(dropped),
            improved=True,
            feedback=_feedback(candidate_suite, failures),
            failures=tuple(failures),
        )

    async def _stabilise(
        self, value: ValidateInput, source: str
    ) -> tuple[tuple[str, PytestReport] | None, list[tuple[str, str]]]:
        """Run the merged suite until two runs in a row pass; drop what fails."""
        dropped: list[tuple[str, str]] = []
        clean_runs = 0
        last: PytestReport | None = None
        for round_number in range(MAX_CLEANUP_ROUNDS + 2):
            if not list_test_names(source):
                return None, dropped
            execution = await self.executor.execute(
                ExecuteInput(
                    target=value.target,
                    test_source=source,
                    file_name=value.file_name,
                    folder=value.folder / f"check{round_number}",
                    label="validate",
                )
            )
            report = execution.report
            if collection_failed(report):
                dropped.append(("<module>", report.reason or "collection failed"))
                return None, dropped
            failing = _failed(report)
            if not failing:
                clean_runs += 1
                last = report
                if clean_runs == 2:
                    return (source, last), dropped
                continue
            why = "flaky: failed on a rerun" if round_number > 0 else "failed"
            dropped.extend((name, f"{why}: {message}") for name, message, _ in failing)
            source = remove_tests(source, [name for name, *_ in failing])
            clean_runs = 0
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
        )

    def summarize(self, result: Validation) -> str:
        kept = len(result.kept.tests) if result.kept else 0
        return f"kept {kept} tests, +{len(result.added)} new, dropped {len(result.dropped)}"


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
