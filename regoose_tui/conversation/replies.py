"""The Markdown Regoose writes into the chat itself: summaries, explanations, fixed texts.

Pure functions of what the engine returned, so every face (app, CLI, MCP)
words a turn the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.chat.explain import FailureInfo, explain_failure, find_failure
from regoose_tui.conversation.verdict_text import verdict_markdown
from regoose_tui.domain.display import shown_path

if TYPE_CHECKING:
    from regoose_tui.engine.outcome import GenerationOutcome
    from regoose_tui.engine.test_run import TestRunOutcome

#: What the offline provider says when asked for something only an LLM can do.
NEEDS_LLM = (
    "Changing code to make a failing test pass needs an LLM provider: switch with "
    "`/provider openai/gpt-4o-mini` (any LiteLLM model). Offline I can **explain** the "
    "failure (`/explain`), **regenerate** the tests (`/generate PATH`) or **run** them (`/run`)."
)
NOTHING_TO_EXPORT = "Nothing to export yet: generate or run tests first."
NO_FAILURE_YET = "No failed test in this session yet: run the tests first (`/run`)."


def relative(path: Path, project_dir: Path) -> str:
    """``path`` as the user sees it: relative to the project when inside it, else absolute."""
    return shown_path(path, project_dir)


def _names(failures: Sequence[FailureInfo]) -> str:
    """The first few failed tests' short names, as inline code."""
    return ", ".join(f"`{f.name.split('::')[-1]}`" for f in failures[:5])


def generation_summary(outcome: GenerationOutcome, proposed: str | None) -> str:
    """The reply after a generation; ``proposed`` is the shown path of a suite to accept."""
    summary = (
        f"**{outcome.module}**: {outcome.tests} tests, {outcome.passed} passed, "
        f"{outcome.failed} failed{'; ' + outcome.drops if outcome.drops else ''} — "
        f"line coverage {outcome.line_percent:.0f}%, "
        f"branch coverage {outcome.branch_percent:.0f}% "
        f"({outcome.iterations} iteration(s), {outcome.wall_seconds:.1f} s)."
    )
    if outcome.coverage_delta is not None:
        # Baseline (the project's own tests), final and delta: what the session added.
        summary += f"\n\n{outcome.coverage_delta.phrase()}."
    verdicts = verdict_markdown(outcome)
    if verdicts:
        summary += f"\n\n{verdicts}"
    if proposed is None:
        reason = outcome.reason or "no test passed and added coverage"
        return summary + f"\n\nNothing to write: {reason}."
    if outcome.merge_base_sha256 is not None:
        # Joined into the project's own test file: Accept adds classes, it writes no new file.
        return summary + (
            f"\n\n**Accept** adds the tests to `{proposed}` as new classes; "
            "**Reject** discards them."
        )
    return summary + f"\n\n**Accept** writes `{proposed}`; **Reject** discards it."


def generation_failures(outcome: GenerationOutcome) -> list[FailureInfo]:
    """The failed tests of a generation, for /explain."""
    return [
        FailureInfo(r.name, r.message or "")
        for r in outcome.records
        if r.outcome in ("failed", "error")
    ]


def run_failures(outcome: TestRunOutcome) -> list[FailureInfo]:
    """The failed tests of a run, with their tracebacks, for /explain."""
    return [
        FailureInfo(t.nodeid, t.message, t.traceback)
        for t in outcome.tests
        if t.outcome in ("failed", "error")
    ]


def run_summary(outcome: TestRunOutcome, failures: Sequence[FailureInfo]) -> str:
    """The reply after running tests: counts, the reason of a bad run, what failed."""
    bad = outcome.failed + outcome.errors
    text = f"{len(outcome.tests)} tests: **{outcome.passed} passed**, **{bad} failed**"
    if outcome.skipped:
        text += f", {outcome.skipped} skipped"
    text += f" in {outcome.wall_seconds:.1f} s."
    if outcome.reason and outcome.status != "passed":
        text += f"\n\n{outcome.reason}"
    if failures:
        text += f"\n\nFailed: {_names(failures)}. Ask *why did it fail?* or type `/explain`."
    return text


def explanation(failures: Sequence[FailureInfo], name: str | None) -> str:
    """The reply to /explain: why ``name`` (or the latest failure) failed."""
    if not failures:
        return NO_FAILURE_YET
    failure = find_failure(failures, name)
    if failure is None:
        return f"No failed test called `{name}`; the failures are: {_names(failures)}."
    return explain_failure(failure)
