"""`regoose config`: the effective settings, secrets masked."""

from __future__ import annotations

import argparse
from pathlib import Path

from regoose_tui.config import load_settings
from regoose_tui.config_file import render_settings
from regoose_tui.errors import TargetNotFound


def config_command(args: argparse.Namespace) -> int:
    """Print the settings Regoose would use in this project."""
    project = Path(args.project) if args.project else None
    if project is not None and not project.is_dir():
        raise TargetNotFound(f"{project}: project folder does not exist")
    print(render_settings(load_settings(project)), end="")
    return 0
