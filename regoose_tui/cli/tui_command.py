"""`regoose` / `regoose tui`: open the app (Textual is imported only here)."""

from __future__ import annotations

import argparse
from pathlib import Path

from regoose_tui.errors import TargetNotFound


def launch_app(args: argparse.Namespace) -> int:
    """Run the Textual app on PROJECT_DIR until the user quits."""
    project = Path(getattr(args, "project_dir", ".") or ".").expanduser()
    if not project.is_dir():
        raise TargetNotFound(f"{project}: no such project folder")
    from regoose_tui.app.main import run_app

    return run_app(
        project.resolve(),
        provider=getattr(args, "provider", None),
        runtime=getattr(args, "runtime", None),
    )
