"""create_provider builds the LiteLLM provider for any model string, without loading litellm."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.errors import UsageError
from regoose_tui.providers.factory import create_provider, provider_statuses
from regoose_tui.providers.llm.prompts import NAMES, render, template
from regoose_tui.providers.llm.provider import LiteLLMProvider

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "model", ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "ollama/llama3"]
)
def test_any_litellm_model_string_builds_the_provider(model: str) -> None:
    provider = create_provider(model, strategy="llm")
    assert isinstance(provider, LiteLLMProvider)
    assert provider.name == model and provider.needs_network
    assert provider.settings.chain == (model,)


def test_keyword_options_reach_the_call_settings() -> None:
    provider = create_provider(
        "openai/qwen2.5-coder",
        api_base="http://127.0.0.1:8000/v1",
        fallbacks=["openai/backup", "ollama/llama3"],
        timeout_seconds=5,
        max_retries=1,
        strategy="llm",
    )
    assert isinstance(provider, LiteLLMProvider)
    settings = provider.settings
    assert settings.api_base == "http://127.0.0.1:8000/v1"
    assert settings.chain == ("openai/qwen2.5-coder", "openai/backup", "ollama/llama3")
    assert (settings.timeout_seconds, settings.max_retries) == (5, 1)
    with pytest.raises(UsageError, match="fallback 'gpt4'"):
        create_provider("openai/x", fallbacks=["gpt4"])


def test_the_key_is_not_in_the_settings_repr() -> None:
    provider = create_provider(
        "openai/gpt-4o-mini", api_key="sk-do-not-print-me-123", strategy="llm"
    )
    assert isinstance(provider, LiteLLMProvider)
    assert "sk-do-not-print-me-123" not in repr(provider.settings)


def test_doctor_says_litellm_is_usable() -> None:
    status = {s.name: s for s in provider_statuses()}["litellm"]
    assert status.usable and "openai/" in status.reason


def test_building_a_provider_does_not_import_litellm() -> None:
    code = (
        "import sys\n"
        "from regoose_tui.providers.factory import create_provider\n"
        "create_provider('openai/gpt-4o-mini', api_base='http://127.0.0.1:1/v1')\n"
        "print('litellm' in sys.modules, 'textual' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == "False False"


def test_every_prompt_template_is_shipped_and_renders() -> None:
    for name in NAMES:
        fields = {field: f"<{field}>" for field in _fields(name)}
        text = render(name, **fields)
        for value in fields.values():
            assert value in text
    with pytest.raises(KeyError):
        render("first_generation", module_name="only this")
    with pytest.raises(KeyError):
        template("no_such_prompt")


def _fields(name: str) -> set[str]:
    found = set()
    for match in template(name).pattern.finditer(template(name).template):
        found.add(match.group("named") or match.group("braced") or "")
    return found - {""}


def test_a_cassette_reaches_the_client_of_the_model(tmp_path: Path) -> None:
    shipped = REPO / "examples" / "cassettes" / "cart-llm.jsonl"
    replaying = create_provider("openai/demo", strategy="llm", replay=shipped)
    assert isinstance(replaying, LiteLLMProvider)
    assert replaying.client.player is not None and replaying.client.player.remaining == 3
    recording = create_provider("openai/demo", strategy="llm", record=tmp_path / "new.jsonl")
    assert isinstance(recording, LiteLLMProvider) and recording.client.recorder is not None
    assert (tmp_path / "new.jsonl").read_text() == ""  # a fresh cassette per session


def test_a_cassette_needs_a_model_and_only_one_way(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    with pytest.raises(UsageError, match="needs a model"):
        create_provider("offline", replay=cassette)
    with pytest.raises(UsageError, match="not both"):
        create_provider("openai/demo", record=cassette, replay=cassette)
    with pytest.raises(UsageError, match="cannot read it"):
        create_provider("openai/demo", replay=tmp_path / "missing.jsonl")
