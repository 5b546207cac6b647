"""Startup stays light (no litellm, docker or synthesis engine) and stylesheets resolve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.app import paths
from regoose_tui.errors import ConfigError

STYLESHEETS = ("app.tcss", "main.tcss", "history.tcss", "settings.tcss", "help.tcss",
               "replay.tcss", "modals.tcss")  # fmt: skip


def test_importing_the_app_loads_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "import regoose_tui.cli.main, regoose_tui.cli.tui_command\n"
        "import regoose_tui.app.main, regoose_tui.app.app\n"
        "heavy = ('litellm', 'docker', 'hypothesis', 'regoose_tui.synth', 'regoose_tui.agents')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


def test_every_stylesheet_resolves_in_the_checkout() -> None:
    for name in STYLESHEETS:
        assert paths.styles_path(name).is_file(), name


def test_wheel_layout_is_preferred_and_missing_styles_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "regoose_tui"
    (package / "styles").mkdir(parents=True)
    (package / "styles" / "app.tcss").write_text("Screen {}\n", encoding="utf-8")
    monkeypatch.setattr(paths, "_PACKAGE_DIR", package)
    paths.styles_dir.cache_clear()
    try:
        assert paths.styles_path("main.tcss") == package / "styles" / "main.tcss"
        (package / "styles" / "app.tcss").unlink()
        paths.styles_dir.cache_clear()
        with pytest.raises(ConfigError, match="stylesheets are missing"):
            paths.styles_dir()
    finally:
        paths.styles_dir.cache_clear()
