"""Slash commands and plain requests become typed intents."""

from __future__ import annotations

import pytest

from regoose_tui.chat.intents import (
    Explain,
    Export,
    Fix,
    FreeText,
    Generate,
    Help,
    RunTests,
    SetProvider,
    SetRuntime,
    ShowSessions,
    help_text,
    parse_intent,
)
from regoose_tui.errors import UsageError


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/generate shop/cart.py", Generate("shop/cart.py")),
        ("/run", RunTests()),
        ("/run tests/test_cart.py tests/unit/", RunTests(("tests/test_cart.py", "tests/unit/"))),
        ("/explain test_total", Explain("test_total")),
        ("/provider openai/gpt-4o-mini", SetProvider("openai/gpt-4o-mini")),
        ("/runtime bwrap", SetRuntime("bwrap")),
        ("/sessions", ShowSessions()),
        ("/export junit", Export("junit")),
        ("/export", Export("md")),
        ("/help", Help()),
    ],
)
def test_slash_commands(text: str, intent: object) -> None:
    assert parse_intent(text) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("write tests for examples/cart.py", Generate("examples/cart.py")),
        ("Please generate some tests for `shop/pricing.py`", Generate("shop/pricing.py")),
        ("test shop/inventory.py", Generate("shop/inventory.py")),
        ("run the tests", RunTests()),
        ("rerun tests in tests/test_cart.py", RunTests(("tests/test_cart.py",))),
        ("why did test_x fail?", Explain("test_x")),
        ("explain the failure", Explain(None)),
        ("make the failing test pass", Fix(None)),
        ("fix test_total_with_discount please", Fix("test_total_with_discount")),
        ("what is a fixture?", FreeText("what is a fixture?")),
    ],
)
def test_plain_requests(text: str, intent: object) -> None:
    assert parse_intent(text) == intent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/generate", "usage: /generate PATH"),
        ("/frobnicate", "unknown command /frobnicate"),
        ("/export pdf", "usage: /export"),
        ("/provider", "usage: /provider NAME"),
        ("   ", "empty message"),
    ],
)
def test_malformed_commands_are_one_line_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_intent(text)
    assert "\n" not in str(info.value)


def test_help_lists_every_command() -> None:
    text = help_text()
    for command in ("/generate", "/run", "/provider", "/runtime", "/sessions", "/export", "/help"):
        assert command in text


def test_long_messages_are_parsed_quickly() -> None:
    import time

    hostile = [
        "make " * 1000 + " fail " * 1000,
        "write " + "tests for x " * 2000,
        " ".join(["make", "get", "failed", "test", "pass"] * 600)[:290],
        "run tests " + "a " * 140,
    ]
    started = time.perf_counter()
    for text in hostile:
        parse_intent(text)
    assert time.perf_counter() - started < 0.5


def test_watch_commands() -> None:
    from regoose_tui.chat.intents import StopWatch, Watch

    assert parse_intent("/watch") == Watch(None)
    assert parse_intent("/watch src/pkg") == Watch("src/pkg")
    assert parse_intent("/watch stop") == StopWatch()
    assert parse_intent("/WATCH STOP") == StopWatch()
    with pytest.raises(UsageError, match="usage: /watch"):
        parse_intent("/watch a b")
