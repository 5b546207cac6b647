"""Answer parsing: fences, several blocks, prose, cut-off answers, no usable code."""

from __future__ import annotations

import ast

from regoose_tui.providers.llm.parse import fenced_blocks, parse_answer


def test_python_fence_with_prose_around() -> None:
    answer = (
        "Here are the tests:\n\n```python\nfrom grade import grade\n\n\n"
        "def test_a():\n    assert grade(95) == 'A'\n```\n\nThey cover the A branch."
    )
    parsed = parse_answer(answer)
    assert parsed.usable and parsed.tests == ("test_a",)
    assert "They cover" not in parsed.source and "Here are" not in parsed.source
    ast.parse(parsed.source)


def test_several_blocks_merge_imports_once_and_later_definition_wins() -> None:
    answer = (
        "First:\n```python\nimport pytest\nfrom grade import grade\n\n"
        "def test_a():\n    assert grade(95) == 'B'\n```\n"
        "Then, with a tilde fence:\n~~~py\nimport pytest\n\n@pytest.mark.parametrize('s', [0, 10])\n"
        "def test_fail(s):\n    assert grade(s) == 'fail'\n~~~\n"
        "Oops, fix the first one:\n```\ndef test_a():\n    assert grade(95) == 'A'\n```\n"
    )
    parsed = parse_answer(answer)
    assert parsed.blocks_used == 3
    assert parsed.tests == ("test_a", "test_fail")
    assert parsed.source.count("import pytest") == 1
    assert "== 'B'" not in parsed.source and "== 'A'" in parsed.source
    assert "@pytest.mark.parametrize" in parsed.source  # decorators travel with their test
    assert parsed.source.index("import pytest") < parsed.source.index("def test_a")


def test_non_python_blocks_are_ignored() -> None:
    answer = "Run:\n```bash\npytest -q\n```\n```python\ndef test_x():\n    assert 1 + 1 == 2\n```"
    parsed = parse_answer(answer)
    assert parsed.tests == ("test_x",) and "pytest -q" not in parsed.source
    only_shell = parse_answer("```bash\npytest -q\n```")
    assert not only_shell.usable and "not Python" in only_shell.problem


def test_unterminated_fence_keeps_the_complete_tests() -> None:
    answer = (
        "```python\nfrom grade import grade\n\n\ndef test_a():\n    assert grade(95) == 'A'\n\n\n"
        "def test_fail():\n    assert grade(3) =="
    )
    blocks = fenced_blocks(answer)
    assert len(blocks) == 1 and blocks[0].closed is False
    parsed = parse_answer(answer)
    assert parsed.usable and parsed.salvaged
    assert parsed.tests == ("test_a",)


def test_unfenced_code_after_prose() -> None:
    answer = "Sure! Here you go.\nimport math\n\ndef test_pi():\n    assert math.pi > 3\n"
    parsed = parse_answer(answer)
    assert parsed.tests == ("test_pi",) and parsed.source.startswith("import math")


def test_test_classes_are_counted() -> None:
    answer = "```python\nclass TestGrade:\n    def test_a(self):\n        assert True\n```"
    assert parse_answer(answer).tests == ("TestGrade::test_a",)


def test_no_usable_code_says_why() -> None:
    assert parse_answer("").problem == "the answer was empty"
    prose = parse_answer("I think you should test the boundaries at 50 and 90.")
    assert not prose.usable and prose.problem
    helper_only = parse_answer("```python\ndef helper():\n    return 1\n```")
    assert not helper_only.usable and "no test function" in helper_only.problem
    broken = parse_answer("```python\ndef test_x(:\n    pass\n```")
    assert not broken.usable and "does not parse" in broken.problem
