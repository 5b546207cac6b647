"""Strategies: the factory picks offline / llm / hybrid; hybrid runs offline first, then the model.

The model half always runs the real LiteLLMProvider against the scripted
server. In the hybrid tests the offline half is the ScriptedProvider, so the
offline engine's tests (and so its facts) are exact; the real offline engine
drives hybrid in tests/e2e/test_cli_llm.py.
"""

from __future__ import annotations

import pytest
from support.llm_samples import GRADE_TESTS, SECRET_KEY
from support.openai_server import Answer

from regoose_tui.config import ProviderSettings
from regoose_tui.domain.feedback import Feedback
from regoose_tui.errors import UsageError
from regoose_tui.providers.factory import create_provider, provider_from_settings
from regoose_tui.providers.hybrid import HybridProvider, observed_facts
from regoose_tui.providers.llm.provider import LiteLLMProvider
from regoose_tui.providers.offline import OfflineProvider
from regoose_tui.providers.scripted import ScriptedProvider

OFFLINE_TESTS = """import pytest

from grade import grade


def test_grade_ninety_is_a():
    assert grade(90) == "A"


def test_grade_negative_raises():
    with pytest.raises(ValueError):
        grade(-1)
"""


def test_a_model_defaults_to_hybrid_and_offline_stays_offline() -> None:
    hybrid = create_provider("openai/gpt-4o-mini")
    assert isinstance(hybrid, HybridProvider) and isinstance(hybrid.llm, LiteLLMProvider)
    assert hybrid.name == "openai/gpt-4o-mini" and hybrid.strategy == "hybrid"
    assert isinstance(create_provider("openai/gpt-4o-mini", strategy="llm"), LiteLLMProvider)
    assert isinstance(create_provider("openai/gpt-4o-mini", strategy="offline"), OfflineProvider)
    assert isinstance(create_provider("offline"), OfflineProvider)


def test_a_strategy_that_needs_a_model_says_so() -> None:
    with pytest.raises(UsageError, match="strategy llm needs a model"):
        create_provider("offline", strategy="llm")
    with pytest.raises(UsageError, match="unknown strategy 'magic'"):
        create_provider("openai/x", strategy="magic")


def test_provider_settings_reach_the_calls() -> None:
    settings = ProviderSettings(
        name="openai/main",
        api_base="http://127.0.0.1:9/v1",
        api_key=SECRET_KEY,
        fallbacks=["ollama/llama3"],
        timeout_seconds=7,
        max_retries=1,
        strategy="llm",
    )
    provider = provider_from_settings(settings)
    assert isinstance(provider, LiteLLMProvider)
    call = provider.settings
    assert call.api_base == "http://127.0.0.1:9/v1" and call.api_key == SECRET_KEY
    assert call.chain == ("openai/main", "ollama/llama3")
    assert (call.timeout_seconds, call.max_retries) == (7, 1)
    # A name given (the app's /provider MODEL) replaces the configured one, not the rest.
    other = provider_from_settings(settings, "openai/other")
    assert isinstance(other, LiteLLMProvider)
    assert other.settings.model == "openai/other"
    assert other.settings.api_base == "http://127.0.0.1:9/v1"


def test_observed_facts_read_values_and_exceptions_from_tests() -> None:
    facts = observed_facts(OFFLINE_TESTS)
    assert facts == ("`grade(90) == 'A'` holds", "`grade(-1)` raises ValueError")
    assert observed_facts("def broken(:\n") == ()


async def test_hybrid_runs_offline_first_then_the_model_with_facts(
    server, settings, make_request
) -> None:
    offline = ScriptedProvider(lambda request: OFFLINE_TESTS, name="offline")
    hybrid = HybridProvider(offline, LiteLLMProvider(settings()))
    first = await hybrid.generate(make_request())
    assert first.test_source == OFFLINE_TESTS and first.extra["origin"] == "offline"
    assert server.requests == [] and first.prompt_tokens == 0

    server.push(Answer(f"```python\n{GRADE_TESTS}```", prompt_tokens=120, completion_tokens=40))
    feedback = Feedback(kept_test_source=OFFLINE_TESTS, missing_lines=(13, 14), line_percent=70.0)
    second = await hybrid.generate(make_request(iteration=2, feedback=feedback))
    assert second.extra["origin"] == "llm" and second.extra["prompt"] == "coverage_growth"
    assert (second.prompt_tokens, second.completion_tokens) == (120, 40)
    prompt = server.requests[0].prompt_text
    assert "`grade(90) == 'A'` holds" in prompt and "`grade(-1)` raises ValueError" in prompt


async def test_hybrid_asks_the_model_at_once_when_offline_finds_nothing(
    server, settings, make_request
) -> None:
    offline = ScriptedProvider(lambda request: "", name="offline")
    hybrid = HybridProvider(offline, LiteLLMProvider(settings()))
    server.push(Answer(f"```python\n{GRADE_TESTS}```"))
    result = await hybrid.generate(make_request())
    assert result.extra["origin"] == "llm" and result.extra["prompt"] == "first_generation"
    assert len(server.requests) == 1
