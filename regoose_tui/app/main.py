"""Start the app: `regoose` / `regoose tui [PROJECT_DIR]` end up in :func:`run_app`."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.app.context import AppOptions
from regoose_tui.config import load_settings


def run_app(project_dir: Path, provider: str | None = None, runtime: str | None = None) -> int:
    """Run the app on ``project_dir`` until the user quits; return the exit code.

    ``provider`` and ``runtime`` override the settings for this run (they are
    not saved). Raises ConfigError before the screen opens if the settings are
    invalid, so the CLI prints it as one line.
    """
    from regoose_tui.app.app import RegooseApp

    settings = load_settings(project_dir, provider__name=provider, runtime__name=runtime)
    app = RegooseApp(AppOptions(project_dir=project_dir.resolve(), settings=settings))
    app.run()
    return app.return_code or 0
