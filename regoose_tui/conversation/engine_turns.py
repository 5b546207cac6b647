"""The turns that run the engine: a generation (/generate) and a test run (/run).

Each is announced with ChatWorkStarted (a face shows a fresh plan) and
closed with ChatWorkFinished (a face settles its log and status), also when
it is cancelled. The conversation imports this module on the first such
turn, so answering /help never loads the engine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.bus.events import ChatWorkFinished, ChatWorkStarted, ProposedSuite
from regoose_tui.conversation import replies
from regoose_tui.conversation.suites import ProposedFile
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.engine.sandbox_setup import configure_sandbox
from regoose_tui.engine.test_run import run_tests as run_engine_tests

if TYPE_CHECKING:
    from regoose_tui.conversation.conversation import Conversation


async def generate(conversation: Conversation, path: str) -> GenerationOutcome:
    """Generate tests for ``path``; propose the suite (nothing is written before accept)."""
    host = conversation.host
    project = conversation.project_dir
    settings = host.settings
    # Every runtime of this turn applies the [runtime] settings in force now.
    configure_sandbox(settings, project)
    out_dir = settings.generate.out_dir
    options = GenerateOptions(
        target=(project / Path(path).expanduser()).resolve(),
        project=project.resolve(),
        provider=settings.provider.name,
        provider_settings=settings.provider,
        runtime=settings.runtime.name,
        out_dir=(project / out_dir) if out_dir else None,
        iterations=settings.generate.iterations,
        budget_seconds=settings.generate.budget_seconds,
        force=settings.generate.force,
        write_files=False,
        # As `regoose generate`: new tests join the project's own test file for the
        # module as new classes (a separate file only with an out_dir, or when they
        # cannot be joined safely).
        into_existing=out_dir is None,
    )
    store = await host.get_store()
    provider = host.make_provider(settings.provider.name)
    await conversation.emit(ChatWorkStarted(action="generate", target=path))
    session = GenerationSession(options, bus=conversation.bus, store=store, provider=provider)
    outcome: GenerationOutcome | None = None
    await conversation.notice(f"Generating tests for {path}…")
    try:
        with conversation.running(session):
            outcome = await session.run()
    finally:
        if session.session_id is not None:
            conversation.started_session(session.session_id)
        await conversation.emit(_finished_generation(session.session_id, outcome))
    assert outcome is not None  # run() returned: it raised otherwise
    await _propose(conversation, outcome)
    return outcome


def _finished_generation(
    session_id: str | None, outcome: GenerationOutcome | None
) -> ChatWorkFinished:
    if outcome is None:  # cancelled or failed: the bus already told the figures it had
        return ChatWorkFinished(action="generate", session_id=session_id)
    return ChatWorkFinished(
        action="generate",
        session_id=session_id,
        passed=outcome.passed,
        failed=outcome.failed,
        line_percent=outcome.line_percent,
        branch_percent=outcome.branch_percent,
    )


async def _propose(conversation: Conversation, outcome: GenerationOutcome) -> None:
    """Remember the failures, stage the suite for review and say how the generation went.

    Nothing reaches the project's test folder here: the suite is staged under the
    data dir (as ``regoose generate`` without ``--apply`` does) and offered for
    review, unless ``generate.apply_without_review`` asks to write it at once.
    """
    conversation.failures = replies.generation_failures(outcome)
    proposed_path = outcome.proposed_path
    shown: str | None = None
    if proposed_path is not None and outcome.test_source:
        shown = conversation.relative(proposed_path)
        proposed = ProposedFile(
            outcome.session_id,
            proposed_path,
            # The whole file as it would be written: the project's own file with the
            # suite's classes added when they joined it, else the suite alone.
            outcome.proposed_source or outcome.test_source,
            outcome.tests,
            base_sha256=outcome.merge_base_sha256,
        )
        if conversation.host.settings.generate.apply_without_review:
            await _write_at_once(conversation, proposed)
        else:
            await _stage(conversation, outcome, proposed, shown)
    await conversation.say(replies.generation_summary(outcome, shown))


async def _stage(
    conversation: Conversation, outcome: GenerationOutcome, proposed: ProposedFile, shown: str
) -> None:
    from regoose_tui.domain.layout import detect_layout
    from regoose_tui.engine.review import stage_suite

    store = await conversation.host.get_store()
    layout = await asyncio.to_thread(detect_layout, outcome.target, conversation.project_dir)
    await stage_suite(
        store,
        outcome.session_id,
        destination=proposed.path,
        root=layout.root,
        content=proposed.content,
        tests=proposed.tests,
        publish=conversation.bus.publish_nowait,
        base_sha256=proposed.base_sha256,
    )
    conversation.proposed[outcome.session_id] = proposed
    await conversation.emit(
        ProposedSuite(
            block_id=outcome.session_id,
            session_id=outcome.session_id,
            path=shown,
            code=outcome.test_source,
            tests=outcome.tests,
            passed=outcome.passed,
            failed=outcome.failed,
            # Beside the project's own tests the gain is over theirs; else all of it is new.
            branch_gain=(
                outcome.coverage_delta.branch_delta
                if outcome.coverage_delta is not None
                else outcome.branch_percent
            ),
            joins=proposed.base_sha256 is not None,
        )
    )


async def _write_at_once(conversation: Conversation, proposed: ProposedFile) -> None:
    from regoose_tui.conversation.suites import write_suite

    store = await conversation.host.get_store()
    written = await write_suite(
        store,
        proposed,
        force=conversation.host.settings.generate.force,
        publish=conversation.bus.publish_nowait,
    )
    await conversation.notice(
        f"Wrote {conversation.relative(written)} ({proposed.tests} tests, no review: "
        f"generate.apply_without_review). To take it back: regoose undo {proposed.session_id}"
    )


async def run_tests(conversation: Conversation, paths: tuple[str, ...]) -> None:
    """Run tests in the sandbox (the project's tests by default); remember failures."""
    from regoose_tui.domain.layout import marked_root
    from regoose_tui.runtime.python_env import resolve_python
    from regoose_tui.runtime.registry import get_runtime

    host = conversation.host
    project = conversation.project_dir
    configure_sandbox(host.settings, project)
    targets = [project / p for p in paths]
    if not targets:
        tests_dir = project / "tests"
        targets = [tests_dir if tests_dir.is_dir() else project]
    runtime = await asyncio.to_thread(get_runtime, host.settings.runtime.name)
    python = await asyncio.to_thread(resolve_python, project=marked_root(project) or project)
    store = await host.get_store()
    shown = " ".join(conversation.relative(t) for t in targets)
    await conversation.emit(ChatWorkStarted(action="run", target=shown))
    await conversation.notice(f"Running {shown} in {runtime.describe()}…")
    outcome = await run_engine_tests(
        targets,
        project=project,
        runtime=runtime,
        python=python,
        bus=conversation.bus,
        store=store,
    )
    conversation.started_session(outcome.session_id)
    await conversation.emit(ChatWorkFinished(action="run", session_id=outcome.session_id))
    conversation.failures = replies.run_failures(outcome)
    await conversation.say(replies.run_summary(outcome, conversation.failures))
