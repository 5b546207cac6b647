"""Invalid configuration becomes one readable ConfigError line naming the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.config import load_settings
from regoose_tui.errors import ConfigError, RegooseError


def load_error(project: Path, **overrides: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(project, **overrides)
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, RegooseError)
    assert info.value.title == "Config error"
    return message


def test_bad_env_value_names_field_and_variable(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_GENERATE__ITERATIONS", "50")
    message = load_error(project)
    assert message.startswith("invalid setting generate.iterations: ")
    assert "less than or equal to 20" in message
    assert message.endswith("(from env REGOOSE_GENERATE__ITERATIONS)")


def test_bad_toml_value_names_the_file(project: Path) -> None:
    (project / "regoose.toml").write_text('[runtime]\nname = "vm"\n', encoding="utf-8")
    message = load_error(project)
    assert "invalid setting runtime.name: Input should be 'auto'" in message
    assert message.endswith(f"(from {project.resolve() / 'regoose.toml'})")


def test_bad_dotenv_value_names_the_file_and_variable(project: Path) -> None:
    (project / ".env").write_text("REGOOSE_PROVIDER__TIMEOUT_SECONDS=-1\n", encoding="utf-8")
    message = load_error(project)
    assert message.startswith("invalid setting provider.timeout_seconds: ")
    assert f"{project.resolve() / '.env'} (REGOOSE_PROVIDER__TIMEOUT_SECONDS)" in message


def test_bad_override_says_explicit_option(project: Path) -> None:
    message = load_error(project, runtime__cpus=0)
    assert message.startswith("invalid setting runtime.cpus: Input should be greater than 0")
    assert message.endswith("(from an explicit option)")


def test_several_errors_are_counted_on_one_line(project: Path) -> None:
    message = load_error(project, generate__iterations=0, runtime__memory_mb=1)
    assert message.endswith("(+1 more)")


def test_typo_in_a_section_key_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER__MDOEL", "x")
    message = load_error(project)
    assert "provider.mdoel: Extra inputs are not permitted" in message
    assert "REGOOSE_PROVIDER__MDOEL" in message


def test_bad_list_item_gets_an_index(project: Path) -> None:
    (project / "regoose.toml").write_text("[provider]\nfallbacks = ['a', 3]\n", encoding="utf-8")
    message = load_error(project)
    assert message.startswith(
        "invalid setting provider.fallbacks[1]: Input should be a valid string"
    )
    assert "regoose.toml" in message


def test_unknown_top_level_toml_key(project: Path) -> None:
    (project / "regoose.toml").write_text("[provder]\nmodel = 'x'\n", encoding="utf-8")
    assert "unknown setting 'provder'" in load_error(project)


def test_malformed_toml(project: Path) -> None:
    (project / "regoose.toml").write_text("[provider\nmodel = \n", encoding="utf-8")
    message = load_error(project)
    assert "regoose.toml is not valid TOML" in message
    assert "line 1" in message


def test_api_key_in_toml_is_refused_without_echoing_it(project: Path) -> None:
    (project / "regoose.toml").write_text(
        "[provider]\napi_key = 'sk-secret-value-123'\n", encoding="utf-8"
    )
    message = load_error(project)
    assert "provider.api_key does not belong" in message
    assert "REGOOSE_PROVIDER__API_KEY" in message
    assert "sk-secret" not in message


def test_unparsable_json_env_value(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER__FALLBACKS", "[not json")
    message = load_error(project)
    assert message.startswith("invalid setting provider: cannot parse the value")
    assert message.endswith("(from env REGOOSE_PROVIDER__FALLBACKS)")


def test_unparsable_json_dotenv_value(project: Path) -> None:
    (project / ".env").write_text("REGOOSE_UI__KEYMAP={bad\n", encoding="utf-8")
    message = load_error(project)
    assert message.startswith("invalid setting ui: cannot parse the value")
    assert message.endswith(f"(from {project.resolve() / '.env'} REGOOSE_UI__KEYMAP)")


def test_blank_provider_name(project: Path) -> None:
    assert "provider.name: Value error, must not be empty" in load_error(
        project, provider__name="  "
    )
