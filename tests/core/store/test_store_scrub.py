"""The scrub masks key-shaped values and secret-named fields, and nothing else."""

from __future__ import annotations

import json

import pytest

from regoose_tui.store.scrub import scrub_json, scrub_text, scrub_value


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("sk-" + "a" * 40, "sk-***"),
        ("sk-proj-AbC_123-" + "x" * 30, "sk-***"),
        ("sk-ant-api03-" + "Z9" * 20, "sk-***"),
        ("AIza" + "B" * 35, "AIza***"),
        ("AKIA" + "ABCDEFGHIJKLMNOP", "AKIA***"),
        ("ghp_" + "1" * 36, "ghp_***"),
        ("hf_" + "q" * 34, "hf_***"),
        ("Bearer " + "t0ken." * 5, "Bearer ***"),
    ],
)
def test_key_shapes_are_masked_in_text(secret: str, masked: str) -> None:
    assert scrub_text(f"key={secret} end") == f"key={masked} end"


@pytest.mark.parametrize(
    "innocent",
    [
        "task-runner-for-the-whole-project",
        "sk-short",
        "def test_risk_score(): assert risk(3) == 'high'",
        "ghost_writer_of_the_module_and_more",
    ],
)
def test_ordinary_text_is_untouched(innocent: str) -> None:
    assert scrub_text(innocent) == innocent
    document = json.dumps({"message": innocent, "prompt_tokens": 12})
    assert scrub_json(document) == document


def test_secret_named_fields_are_masked_whatever_their_value() -> None:
    value = {
        "api_key": "hunter2",
        "X-Api-Key": "abc",
        "Authorization": "Basic Zm9vOmJhcg==",
        "password": "pw",
        "nested": [{"secret": "s", "prompt_tokens": 12, "token_count": "7"}],
    }
    assert scrub_value(value) == {
        "api_key": "***",
        "X-Api-Key": "***",
        "Authorization": "***",
        "password": "***",
        "nested": [{"secret": "***", "prompt_tokens": 12, "token_count": "7"}],
    }


def test_scrub_json_keeps_a_valid_document() -> None:
    document = json.dumps({"args": {"cmd": "export OPENAI_API_KEY=sk-" + "k" * 48}, "n": [1, 2]})
    cleaned = scrub_json(document)
    assert json.loads(cleaned) == {"args": {"cmd": "export OPENAI_API_KEY=sk-***"}, "n": [1, 2]}
