"""`regoose schema report|generate|run`: print the JSON Schema of a JSON output."""

from __future__ import annotations

import argparse

from regoose_tui.cli.common import print_json
from regoose_tui.reports.documents import json_schema


def schema_command(args: argparse.Namespace) -> int:
    """Print the schema of the document ``args.document`` names; always 0."""
    print_json(json_schema(args.document))
    return 0
