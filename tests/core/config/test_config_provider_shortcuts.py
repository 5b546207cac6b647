"""[provider] settings for LiteLLM models: the short variables, TOML, flags, the masked key."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from regoose_tui.cli.common import settings_for
from regoose_tui.cli.parser import build_parser
from regoose_tui.config import load_settings
from regoose_tui.config_file import render_settings
from regoose_tui.errors import ConfigError


def test_short_variables_name_the_model_and_api_base(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER", "openai/gpt-4o-mini")
    monkeypatch.setenv("REGOOSE_API_BASE", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("REGOOSE_STRATEGY", "llm")
    provider = load_settings(project).provider
    assert provider.name == "openai/gpt-4o-mini"
    assert provider.api_base == "http://127.0.0.1:8000/v1"
    assert provider.strategy == "llm"


def test_the_nested_variable_wins_over_the_short_one(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER", "openai/short")
    monkeypatch.setenv("REGOOSE_PROVIDER__NAME", "openai/nested")
    assert load_settings(project).provider.name == "openai/nested"


def test_a_json_provider_variable_is_still_the_whole_section(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER", '{"name": "ollama/llama3", "max_retries": 1}')
    provider = load_settings(project).provider
    assert (provider.name, provider.max_retries) == ("ollama/llama3", 1)


def test_short_variables_work_in_dotenv(project: Path) -> None:
    (project / ".env").write_text("REGOOSE_PROVIDER=deepseek/deepseek-chat\n")
    assert load_settings(project).provider.name == "deepseek/deepseek-chat"


def test_toml_provider_section_sets_strategy_base_fallbacks_timeout(project: Path) -> None:
    (project / "regoose.toml").write_text(
        "[provider]\n"
        'name = "openai/qwen2.5-coder"\n'
        'api_base = "http://127.0.0.1:9000/v1"\n'
        'fallbacks = ["ollama/llama3"]\n'
        'strategy = "hybrid"\n'
        "timeout_seconds = 12\n"
    )
    provider = load_settings(project).provider
    assert provider.api_base == "http://127.0.0.1:9000/v1"
    assert provider.fallbacks == ["ollama/llama3"]
    assert (provider.strategy, provider.timeout_seconds) == ("hybrid", 12)


def test_an_unknown_strategy_is_one_config_line(project: Path) -> None:
    (project / "regoose.toml").write_text('[provider]\nstrategy = "magic"\n')
    with pytest.raises(ConfigError, match=r"provider\.strategy.*regoose\.toml"):
        load_settings(project)


def test_generate_flags_become_provider_settings(project: Path) -> None:
    args = build_parser().parse_args(
        [
            "generate",
            "x.py",
            "--provider",
            "openai/test-model",
            "--api-base",
            "http://127.0.0.1:1/v1",
            "--fallback",
            "openai/a",
            "--fallback",
            "ollama/b",
            "--strategy",
            "llm",
        ]
    )
    provider = settings_for(args, project).provider
    assert provider.name == "openai/test-model"
    assert provider.api_base == "http://127.0.0.1:1/v1"
    assert provider.fallbacks == ["openai/a", "ollama/b"]
    assert provider.strategy == "llm"


def test_flags_not_given_leave_the_config_alone(project: Path) -> None:
    (project / "regoose.toml").write_text('[provider]\napi_base = "http://h:1/v1"\n')
    args = argparse.Namespace(provider=None, api_base=None, fallback=None, strategy=None)
    assert settings_for(args, project).provider.api_base == "http://h:1/v1"


def test_the_key_from_the_environment_is_masked_in_regoose_config(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER__API_KEY", "sk-regoose-config-secret-42")
    text = render_settings(load_settings(project))
    assert "sk-regoose-config-secret-42" not in text
    assert 'api_key = "********t-42"' in text
