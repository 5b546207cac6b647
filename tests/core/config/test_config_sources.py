"""Where settings come from: defaults, regoose.toml, .env, env vars, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.config import Settings, find_config_file, load_settings
from regoose_tui.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_source(project: Path) -> None:
    settings = load_settings(project)
    assert settings.provider.name == "offline"
    assert settings.provider.model is None
    assert settings.provider.api_key is None
    assert settings.provider.fallbacks == []
    assert settings.runtime.name == "auto"
    assert settings.runtime.image == "regoose-sandbox:latest"
    assert settings.generate.iterations == 3
    assert settings.generate.budget_seconds == 120
    assert settings.generate.out_dir is None
    assert settings.generate.force is False
    assert settings.ui.theme == "textual-dark"
    assert settings.ui.keymap == {}
    assert settings.ui.log_max_lines == 200_000
    assert settings.data_dir is None
    assert settings.files_read == ()


def test_field_docstrings_become_descriptions() -> None:
    # The settings screen shows these as help text.
    provider_settings = Settings.model_fields["provider"].annotation
    assert provider_settings is not None
    assert "LiteLLM" in (provider_settings.model_fields["model"].description or "")
    assert Settings.model_fields["data_dir"].description


def test_nested_env_vars_override_defaults(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER__MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv(
        "REGOOSE_PROVIDER__FALLBACKS", '["anthropic/claude-3-haiku", "ollama/llama3"]'
    )
    monkeypatch.setenv("REGOOSE_RUNTIME__NAME", "local")
    monkeypatch.setenv("regoose_generate__iterations", "7")
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(project / "data"))
    settings = load_settings(project)
    assert settings.provider.model == "openai/gpt-4o-mini"
    assert settings.provider.fallbacks == ["anthropic/claude-3-haiku", "ollama/llama3"]
    assert settings.runtime.name == "local"
    assert settings.generate.iterations == 7
    assert settings.data_dir == project / "data"
    # Untouched fields of the same sections keep their defaults.
    assert settings.provider.name == "offline"
    assert settings.runtime.image == "regoose-sandbox:latest"


def test_empty_env_var_is_ignored(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "regoose.toml", '[provider]\nmodel = "from-toml"\n')
    monkeypatch.setenv("REGOOSE_PROVIDER__MODEL", "")
    assert load_settings(project).provider.model == "from-toml"


def test_toml_file_in_project(project: Path) -> None:
    write(
        project / "regoose.toml",
        """
data_dir = "store"

[provider]
name = "litellm"
model = "deepseek/deepseek-chat"
max_retries = 5

[runtime]
name = "bwrap"
memory_mb = 512

[ui.keymap]
"app.quit" = "ctrl+q"
""",
    )
    settings = load_settings(project)
    assert settings.provider.name == "litellm"
    assert settings.provider.model == "deepseek/deepseek-chat"
    assert settings.provider.max_retries == 5
    assert settings.runtime.name == "bwrap"
    assert settings.runtime.memory_mb == 512
    assert settings.runtime.limits().memory_bytes == 512 * 1024**2
    assert settings.ui.keymap == {"app.quit": "ctrl+q"}
    assert settings.data_dir == Path("store")
    assert settings.files_read == (project.resolve() / "regoose.toml",)


def test_precedence_override_env_dotenv_toml(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        project / "regoose.toml",
        "[generate]\niterations = 2\nbudget_seconds = 10\nout_dir = 'toml-out'\nforce = true\n",
    )
    write(
        project / ".env",
        "REGOOSE_GENERATE__ITERATIONS=4\nREGOOSE_GENERATE__BUDGET_SECONDS=20\nOPENAI_API_KEY=unrelated\n",
    )
    monkeypatch.setenv("REGOOSE_GENERATE__ITERATIONS", "6")
    settings = load_settings(project, generate__iterations=9)
    assert settings.generate.iterations == 9  # override beats env
    assert settings.generate.budget_seconds == 20  # .env beats toml
    assert settings.generate.out_dir == "toml-out"  # toml beats default
    assert settings.generate.force is True
    assert load_settings(project).generate.iterations == 6  # env beats .env


def test_overrides_merge_into_sections_and_none_is_skipped(project: Path) -> None:
    write(project / "regoose.toml", '[provider]\nmodel = "m"\napi_base = "http://h"\n')
    settings = load_settings(
        project, provider={"model": "other"}, provider__timeout_seconds=9, runtime__name=None
    )
    assert settings.provider.model == "other"
    assert settings.provider.api_base == "http://h"  # merged, not replaced
    assert settings.provider.timeout_seconds == 9
    assert settings.runtime.name == "auto"


def test_unknown_override_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'provder\.model'"):
        load_settings(project, provder__model="x")


def test_dotenv_is_read_from_the_project_not_the_cwd(project: Path, tmp_path: Path) -> None:
    write(tmp_path / ".env", "REGOOSE_PROVIDER__MODEL=cwd-model\n")
    write(project / ".env", "REGOOSE_PROVIDER__API_KEY=sk-project-0123456789\n")
    settings = load_settings(project)
    assert settings.provider.model is None
    assert settings.provider.api_key is not None
    assert settings.provider.api_key.get_secret_value() == "sk-project-0123456789"
    assert settings.files_read == (project.resolve() / ".env",)


def test_cwd_toml_is_not_used_for_another_project(project: Path, tmp_path: Path) -> None:
    write(tmp_path / "regoose.toml", "[generate]\niterations = 11\n")
    assert load_settings(project).generate.iterations == 3
    # Without a project dir the cwd is the project.
    assert load_settings().generate.iterations == 11


def test_config_file_env_var_replaces_the_lookup(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "regoose.toml", "[generate]\niterations = 2\n")
    other = write(tmp_path / "ci.toml", "[generate]\niterations = 8\n")
    monkeypatch.setenv("REGOOSE_CONFIG_FILE", str(other))
    assert find_config_file(project) == other
    assert load_settings(project).generate.iterations == 8


def test_config_file_env_var_naming_a_missing_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_CONFIG_FILE", str(project / "nope.toml"))
    with pytest.raises(ConfigError, match=r"REGOOSE_CONFIG_FILE names .*nope\.toml"):
        load_settings(project)


def test_plain_settings_constructor_reads_cwd_files(tmp_path: Path) -> None:
    write(tmp_path / "regoose.toml", '[ui]\ntheme = "nord"\n')
    write(tmp_path / ".env", "REGOOSE_UI__LOG_MAX_LINES=5000\n")
    settings = Settings()
    assert settings.ui.theme == "nord"
    assert settings.ui.log_max_lines == 5000
