"""Showing settings with secrets masked, and saving them to regoose.toml."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from regoose_tui.config import (
    Settings,
    load_settings,
    mask_secret,
    settings_as_dict,
    update_settings,
)
from regoose_tui.config_file import render_settings, save_settings
from regoose_tui.errors import ConfigError

KEY = "sk-proj-0123456789abcdef"


@pytest.mark.parametrize(
    ("secret", "shown"),
    [(KEY, "********cdef"), ("short-key", "<set>"), ("", "<set>"), (None, None)],
)
def test_mask_secret(secret: str | None, shown: str | None) -> None:
    assert mask_secret(secret) == shown


def test_settings_as_dict_masks_unless_asked(project: Path) -> None:
    settings = load_settings(project, provider__api_key=KEY, data_dir=project / "d")
    masked = settings_as_dict(settings)
    assert masked["provider"]["api_key"] == "********cdef"
    assert masked["data_dir"] == str(project / "d")
    assert masked["runtime"]["name"] == "auto"
    assert settings_as_dict(settings, masked=False)["provider"]["api_key"] == KEY
    assert settings_as_dict(Settings())["provider"]["api_key"] is None


def test_render_is_toml_with_the_key_masked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER__API_KEY", KEY)
    (project / "regoose.toml").write_text('[ui.keymap]\n"app.quit" = "ctrl+q"\n', encoding="utf-8")
    text = render_settings(load_settings(project, provider__model="openai/gpt-4o-mini"))
    assert KEY not in text
    assert "0123456789" not in text
    assert f"# read from {project.resolve() / 'regoose.toml'}" in text
    assert "# api_base = (unset)" in text
    parsed = tomllib.loads(text)  # comments aside, it is real TOML
    assert parsed["provider"]["api_key"] == "********cdef"
    assert parsed["provider"]["model"] == "openai/gpt-4o-mini"
    assert parsed["ui"]["keymap"] == {"app.quit": "ctrl+q"}
    assert parsed["generate"] == {
        "iterations": 3,
        "budget_seconds": 120.0,
        "force": False,
        "apply_without_review": False,
    }
    assert set(parsed) == {"provider", "runtime", "generate", "ui"}


def test_save_then_load_round_trip_without_the_key(project: Path) -> None:
    original = load_settings(
        project,
        provider={"name": "litellm", "model": "ollama/llama3", "api_key": KEY},
        provider__fallbacks=["openai/gpt-4o-mini", 'we"ird\\name'],
        runtime__name="podman",
        runtime__cpus=1.5,
        generate__out_dir="tests/generated",
        generate__force=True,
        ui__keymap={"app.quit": "ctrl+q", "focus chat": "f2"},
        ui__theme="gruvbox",
        data_dir=project / "data dir",
    )
    path = project / "regoose.toml"
    save_settings(original, path)
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert "api_key" not in text
    assert "budget_seconds" not in text  # defaults are not frozen into the file

    reloaded = load_settings(project)
    assert reloaded.provider.api_key is None
    assert reloaded.model_dump(exclude={"provider": {"api_key"}}) == original.model_dump(
        exclude={"provider": {"api_key"}}
    )


def test_save_defaults_writes_only_the_header(project: Path) -> None:
    path = project / "regoose.toml"
    save_settings(load_settings(project), path)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {}
    assert load_settings(project).model_dump() == Settings().model_dump()


def test_save_replaces_atomically_and_keeps_the_mode(project: Path) -> None:
    path = project / "regoose.toml"
    path.write_text("[generate]\niterations = 2\n", encoding="utf-8")
    path.chmod(0o600)
    save_settings(load_settings(project, generate__iterations=4), path)
    assert load_settings(project).generate.iterations == 4
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in project.iterdir()) == ["regoose.toml"]  # no temp file left


def test_save_new_file_creates_parents_with_usual_mode(project: Path) -> None:
    path = project / "conf" / "regoose.toml"
    save_settings(load_settings(project, ui__theme="nord"), path)
    assert path.stat().st_mode & 0o777 == 0o644
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"ui": {"theme": "nord"}}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only dirs")
def test_save_into_read_only_dir_is_a_config_error(project: Path) -> None:
    locked = project / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match=r"cannot write .*locked/regoose.toml"):
            save_settings(load_settings(project), locked / "regoose.toml")
    finally:
        locked.chmod(0o700)


def test_save_onto_a_directory_is_a_config_error(project: Path) -> None:
    target = project / "regoose.toml"
    target.mkdir()
    with pytest.raises(ConfigError, match="cannot write"):
        save_settings(load_settings(project, ui__theme="nord"), target)
    assert [p.name for p in project.iterdir()] == ["regoose.toml"]


def test_update_settings_validates_without_rereading_sources(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(project, provider__api_key=KEY, ui__keymap={"app.quit": "ctrl+q"})
    monkeypatch.setenv("REGOOSE_RUNTIME__NAME", "local")  # set after loading: not seen
    updated = update_settings(settings, ui__theme="nord", generate={"iterations": 5})
    assert updated.ui.theme == "nord"
    assert updated.ui.keymap == {"app.quit": "ctrl+q"}
    assert updated.generate.iterations == 5
    assert updated.runtime.name == "auto"
    assert updated.provider.api_key is not None
    assert updated.provider.api_key.get_secret_value() == KEY
    assert settings.ui.theme == "textual-dark"  # the original is untouched
    with pytest.raises(
        ConfigError, match=r"^invalid setting generate\.iterations: .*explicit option"
    ):
        update_settings(settings, generate__iterations=0)
