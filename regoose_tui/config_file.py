"""Regoose settings as TOML: the text ``regoose config`` prints (secrets masked) and
the atomic writer of ``regoose.toml`` the settings screen uses (API keys never written).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from regoose_tui.config import Settings, settings_as_dict
from regoose_tui.errors import ConfigError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_lines(data: Mapping[str, Any], table: str, *, show_unset: bool) -> list[str]:
    """``data`` as TOML lines under the header ``[table]`` (none at the top level)."""
    scalars: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            name = f"{table}.{_toml_key(key)}" if table else _toml_key(key)
            tables += _toml_lines(value, name, show_unset=show_unset)
        elif value is not None:
            scalars.append(f"{_toml_key(key)} = {_toml_value(value)}")
        elif show_unset:
            scalars.append(f"# {_toml_key(key)} = (unset)")
    # A table holding only sub-tables needs no header of its own; an empty one
    # is still shown when rendering, so `regoose config` lists every section.
    if table and (scalars or (show_unset and not tables)):
        scalars = ["", f"[{table}]", *scalars]
    return scalars + tables


def render_settings(settings: Settings) -> str:
    """The effective settings as TOML text with secrets masked (for ``regoose config``)."""
    lines = ["# Effective Regoose settings (secrets masked)"]
    lines += [f"# read from {path}" for path in settings.files_read]
    lines += _toml_lines(settings_as_dict(settings, masked=True), "", show_unset=True)
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings, path: Path) -> None:
    """Write the non-default settings to ``path`` (a regoose.toml), atomically.

    The API key is never written: keys belong in the environment or .env.
    The file is replaced whole, so comments in an older file are lost.
    """
    data = settings.model_dump(
        mode="json", exclude_defaults=True, exclude={"provider": {"api_key"}}
    )
    text = "# Regoose settings; API keys go in the environment or .env, not here.\n"
    body = "\n".join(_toml_lines(data, "", show_unset=False)).strip("\n")
    text += body + "\n" if body else ""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file 0600; keep the old file's mode, else the usual 0644.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
