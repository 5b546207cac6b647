"""The options and subcommands of review before writing: --apply, --commit, apply, undo.

Kept apart from their handlers so building the parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_review_options(generate: argparse.ArgumentParser) -> None:
    """--apply and --commit of `regoose generate`."""
    generate.add_argument(
        "--apply",
        action="store_true",
        help="write the tests into the project's test folder (default: stage them for "
        "review under the data dir and say how to apply them)",
    )
    generate.add_argument(
        "--commit",
        action="store_true",
        help="with --apply, in a git repository: commit the written tests on a new branch "
        "regoose/SESSION (your working tree and current branch are left as they are)",
    )


def add_review_commands(commands: Any) -> None:
    """`regoose apply [SESSION]` and `regoose undo [SESSION]`."""
    apply = commands.add_parser(
        "apply",
        help="write the tests a generation staged for review into the project",
        description="Write the suites SESSION staged for review (as they are in the review "
        "folder now, your edits included) into the project. Default: the last session that "
        "staged tests.",
    )
    apply.add_argument("session_id", nargs="?", metavar="SESSION")
    apply.add_argument("--force", action="store_true", help="overwrite a file you edited")
    apply.add_argument("--json", action="store_true", help="print one JSON object")
    undo = commands.add_parser(
        "undo",
        help="take back exactly what a session wrote into the project",
        description="Restore every file SESSION wrote to what it held before (or remove it), "
        "only while it still holds the session's bytes; a file changed since is left alone. "
        "Default: the last session that wrote files. Exit 1 when something was left alone.",
    )
    undo.add_argument("session_id", nargs="?", metavar="SESSION")
    undo.add_argument("--json", action="store_true", help="print one JSON object")
