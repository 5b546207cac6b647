"""`regoose config`: the effective settings, secrets masked."""

from __future__ import annotations

import argparse
from pathlib import Path

from regoose_tui.config import load_settings, render_settings


def config_command(args: argparse.Namespace) -> int:
    """Print the settings Regoose would use in this project."""
    project = Path(args.project) if args.project else None
    print(render_settings(load_settings(project)))
    return 0
