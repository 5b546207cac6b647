"""A small target module, its tests and a secret key, shared by the LiteLLM tests."""

from __future__ import annotations

#: A key that must never show up in an error, a log line or anywhere but the header.
SECRET_KEY = "sk-regoose-test-9f8e7d6c5b4a"

GRADE_SOURCE = '''"""Grades."""

PASS_MARK = 50


def grade(score: int) -> str:
    """The letter for a score from 0 to 100."""
    if score < 0 or score > 100:
        raise ValueError(f"score out of range: {score}")
    if score >= 90:
        return "A"
    if score >= PASS_MARK:
        return "pass"
    return "fail"
'''

GRADE_TESTS = """import pytest

from grade import grade


def test_grade_ninety_is_a():
    assert grade(90) == "A"


def test_grade_out_of_range_raises():
    with pytest.raises(ValueError, match="out of range"):
        grade(101)
"""
