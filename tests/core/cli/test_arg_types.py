"""The CLI's value types: good values parse, each bad one is one clear line."""

from __future__ import annotations

import argparse

import pytest

from regoose_tui.cli.arg_types import non_negative_int, percent, positive_float, positive_int


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (non_negative_int, "0", 0),
        (positive_int, "3", 3),
        (positive_float, "0.5", 0.5),
        (percent, "80%", 80.0),
        (percent, "100", 100.0),
    ],
)
def test_good_values_parse(kind, text, value) -> None:
    assert kind(text) == value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (non_negative_int, "-1", "'-1' must be 0 or more"),
        (non_negative_int, "1.5", "'1.5' is not a whole number"),
        (positive_int, "0", "0 must be at least 1"),
        (positive_float, "0", "0.0 must be more than 0"),
        (positive_float, "soon", "'soon' is not a number"),
        (percent, "120", "120 is not between 0 and 100"),
        (percent, "most", "'most' is not a percentage"),
    ],
)
def test_bad_values_are_one_clear_line(kind, text, message) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        kind(text)
    assert str(caught.value) == message
