"""Where the database lives: the user data dir unless REGOOSE_DATA_DIR says otherwise."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from regoose_tui.store import SessionStore, data_dir, database_path


def test_default_is_the_platform_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGOOSE_DATA_DIR", raising=False)
    assert data_dir() == Path(platformdirs.user_data_dir("regoose"))
    assert database_path() == data_dir() / "sessions.db"


def test_env_override_names_a_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(tmp_path / "state"))
    assert data_dir() == tmp_path / "state"
    assert database_path() == tmp_path / "state" / "sessions.db"


def test_blank_override_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGOOSE_DATA_DIR", "  ")
    assert data_dir() == Path(platformdirs.user_data_dir("regoose"))


async def test_open_without_path_uses_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(tmp_path / "nested" / "dir"))
    async with SessionStore.open() as store:
        assert store.path == tmp_path / "nested" / "dir" / "sessions.db"
    assert (tmp_path / "nested" / "dir" / "sessions.db").is_file()
