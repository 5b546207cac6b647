"""What a CI job asks of `regoose generate`: a coverage floor and reproducible runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from regoose_tui.cli.arg_types import non_negative_int, percent

if TYPE_CHECKING:  # the parser imports this module: keep it light
    from regoose_tui.engine.outcome import GenerationOutcome


def add_ci_options(generate: argparse.ArgumentParser) -> None:
    """--fail-under PCT and --seed N of `regoose generate`."""
    generate.add_argument(
        "--fail-under",
        type=percent,
        metavar="PCT",
        help="exit 1 when the target's line coverage ends below PCT (reports are written first)",
    )
    generate.add_argument(
        "--seed",
        type=non_negative_int,
        metavar="N",
        help="reproducible offline run: the same N gives byte-identical test files",
    )


def fail_under_line(outcome: GenerationOutcome, floor: float | None) -> str | None:
    """The one line saying the coverage is under ``--fail-under``, or None when it is not."""
    if floor is None or outcome.line_percent >= floor:
        return None
    return (
        f"regoose: line coverage of {outcome.module} is {outcome.line_percent:.1f}%, "
        f"under --fail-under {floor:g}%"
    )
