"""argparse value types: each turns a bad value into one clear usage line."""

from __future__ import annotations

import argparse


def _number(text: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def non_negative_int(text: str) -> int:
    """An int >= 0 (``--repairs 0`` turns repair off; ``--seed 0`` is a seed)."""
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def positive_int(text: str) -> int:
    """An int >= 1 (``--iterations``, ``--jobs``)."""
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def positive_float(text: str) -> float:
    """A number > 0 (``--budget``, ``--max-cost``)."""
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return value


def percent(text: str) -> float:
    """A percentage from 0 to 100, with or without its ``%`` (``--fail-under 80``)."""
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value:g} is not between 0 and 100")
    return value
