"""Fixtures for the LiteLLM provider tests: the scripted server, settings, a target.

Everything runs the real LiteLLM code over real sockets against
tests/support/openai_server.py; timeouts and waits are kept small so the
module stays fast (LiteLLM itself is imported once per test session).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from support.llm_samples import GRADE_SOURCE, SECRET_KEY
from support.openai_server import ScriptedOpenAIServer

from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.target import TargetModule
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.llm.client import CallSettings
from regoose_tui.tools.registry import ToolRegistry


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1 for one test."""
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


@pytest.fixture
def settings(server: ScriptedOpenAIServer) -> Callable[..., CallSettings]:
    """CallSettings pointing at the server, with short timeouts and waits."""

    def make(model: str = "openai/scripted", **overrides: object) -> CallSettings:
        values: dict[str, object] = {
            "model": model,
            "api_base": server.api_base,
            "api_key": SECRET_KEY,
            "timeout_seconds": 2.0,
            "max_retries": 2,
            "backoff_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "retry_after_cap_seconds": 0.2,
        }
        values.update(overrides)
        return CallSettings(**values)  # type: ignore[arg-type]  # test overrides are loosely typed

    return make


@pytest.fixture
def target(tmp_path: Path) -> TargetModule:
    """grade.py in a project folder."""
    path = tmp_path / "grade.py"
    path.write_text(GRADE_SOURCE)
    return TargetModule(path=path, module="grade", project_dir=tmp_path, source=GRADE_SOURCE)


@pytest.fixture
def make_request(target: TargetModule) -> Callable[..., GenerationRequest]:
    """A GenerationRequest for ``target`` (the LiteLLM provider uses none of its tools yet)."""

    def make(iteration: int = 1, feedback: Feedback | None = None) -> GenerationRequest:
        return GenerationRequest(
            target=target, tools=ToolRegistry([]), iteration=iteration, feedback=feedback
        )

    return make
