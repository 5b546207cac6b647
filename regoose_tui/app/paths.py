"""Where the app's stylesheets are: the checkout's styles/ or the wheel's regoose_tui/styles."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from regoose_tui.errors import ConfigError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@cache
def styles_dir() -> Path:
    """The folder holding the .tcss files (wheel layout first, then a source checkout)."""
    for candidate in (_PACKAGE_DIR / "styles", _PACKAGE_DIR.parent / "styles"):
        if (candidate / "app.tcss").is_file():
            return candidate
    raise ConfigError(
        f"the app's stylesheets are missing: looked in {_PACKAGE_DIR / 'styles'} and "
        f"{_PACKAGE_DIR.parent / 'styles'}; reinstall regoose"
    )


def styles_path(name: str) -> Path:
    """The absolute path of one stylesheet, e.g. ``styles_path("main.tcss")``."""
    return styles_dir() / name
