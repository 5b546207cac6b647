"""One-line errors for bad settings: the first bad field, why, and which source gave it.

``prefix`` is the environment prefix of the settings (``REGOOSE_``), passed in so this
module needs nothing from :mod:`regoose_tui.config`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError
from pydantic_settings import SettingsError

from regoose_tui.errors import ConfigError


def _has_path(data: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _origin(
    prefix: str,
    loc: tuple[str, ...],
    overrides: Mapping[str, Any],
    dotenv_path: Path | None,
    toml_path: Path | None,
    toml_data: Mapping[str, Any],
) -> str | None:
    """Say which source gave the value at ``loc`` (same priority as the load)."""
    if _has_path(overrides, loc):
        return "an explicit option"
    names = [prefix + "__".join(loc[:n]).upper() for n in range(len(loc), 0, -1)]
    environ = {k.upper(): v for k, v in os.environ.items() if v}
    for name in names:
        if name in environ:
            return f"env {name}"
    if dotenv_path is not None and dotenv_path.is_file():
        dotenv = {k.upper(): v for k, v in dotenv_values(dotenv_path).items() if v}
        for name in names:
            if name in dotenv:
                return f"{dotenv_path} ({name})"
    if toml_path is not None and _has_path(toml_data, loc):
        return str(toml_path)
    return None


def config_error(
    prefix: str,
    exc: ValidationError,
    overrides: Mapping[str, Any],
    dotenv_path: Path | None,
    toml_path: Path | None,
    toml_data: Mapping[str, Any],
) -> ConfigError:
    """One line: the first bad field, why, and where it came from."""
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    loc = tuple(str(part) for part in first["loc"])
    field = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", ".".join(loc)) or "settings"
    where = _origin(
        prefix,
        tuple(p for p in loc if not p.isdigit()),
        overrides,
        dotenv_path,
        toml_path,
        toml_data,
    )
    message = f"invalid setting {field}: {first['msg']}"
    if where:
        message += f" (from {where})"
    if len(errors) > 1:
        message += f" (+{len(errors) - 1} more)"
    return ConfigError(message)


def parse_error(prefix: str, exc: SettingsError, dotenv_path: Path) -> ConfigError:
    """Name the variables behind a value pydantic-settings could not parse."""
    match = re.search(r'field "(\w+)" from source "(\w+)"', str(exc))
    if match is None:
        return ConfigError(f"invalid setting: {exc}")
    field, source = match.groups()
    wanted = f"{prefix}{field}".upper()
    if source == "DotEnvSettingsSource":
        names = dotenv_values(dotenv_path) if dotenv_path.is_file() else {}
        where = str(dotenv_path)
    else:
        names, where = dict(os.environ), "env"
    suspects = sorted(name.upper() for name in names if name.upper().startswith(wanted))
    return ConfigError(
        f"invalid setting {field}: cannot parse the value (lists and tables must be JSON)"
        f" (from {where} {', '.join(suspects) or wanted})"
    )
