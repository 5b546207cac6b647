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
    """Remember the failures, offer the suite to accept and say how the generation went."""
    conversation.failures = replies.generation_failures(outcome)
    proposed_path = outcome.proposed_path
    shown: str | None = None
    if proposed_path is not None and outcome.test_source:
        shown = conversation.relative(proposed_path)
        conversation.proposed[outcome.session_id] = ProposedFile(
            outcome.session_id, proposed_path, outcome.test_source, outcome.tests
        )
        await conversation.emit(
            ProposedSuite(
                block_id=outcome.session_id,
                session_id=outcome.session_id,
                path=shown,
                code=outcome.test_source,
                tests=outcome.tests,
                passed=outcome.passed,
                failed=outcome.failed,
                # No baseline is measured: the suite is new, so all of it is gain.
                branch_gain=outcome.branch_percent,
            )
        )
    await conversation.say(replies.generation_summary(outcome, shown))


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
