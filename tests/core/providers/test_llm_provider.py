"""LiteLLMProvider end to end against the scripted server: prompts, parsing, retries, chat."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from support.llm_samples import GRADE_SOURCE, GRADE_TESTS
from support.openai_server import Answer

from regoose_tui.domain.feedback import FailedTest, Feedback
from regoose_tui.providers.base import ChatTurn
from regoose_tui.providers.llm.provider import LiteLLMProvider


def _fenced(code: str, before: str = "Here are the tests.", after: str = "Done.") -> str:
    return f"{before}\n\n```python\n{code}```\n\n{after}"


async def test_generate_returns_a_test_module_that_runs(server, settings, make_request, target):
    server.push(Answer(_fenced(GRADE_TESTS), prompt_tokens=300, completion_tokens=80))
    tokens: list[str] = []
    provider = LiteLLMProvider(settings(), on_token=tokens.append)
    result = await provider.generate(make_request())
    assert result.extra["tests"] == ["test_grade_ninety_is_a", "test_grade_out_of_range_raises"]
    assert (result.prompt_tokens, result.completion_tokens) == (300, 80)
    assert result.extra["prompt"] == "first_generation" and result.extra["cost_known"] is False
    assert "".join(tokens).startswith("Here are the tests.")
    # The prompt carries the module, its analysis, and the rules.
    (request,) = server.requests
    assert request.messages[0]["role"] == "system" and "pytest" in request.messages[0]["content"]
    prompt = request.messages[1]["content"]
    assert GRADE_SOURCE.strip() in prompt
    assert "- grade(score: int) -> str [" in prompt and "raises ValueError" in prompt
    assert "PASS_MARK = 50" in prompt
    # The module is real: pytest runs it against the target and it passes.
    (target.project_dir / "test_grade.py").write_text(result.test_source)
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_grade.py"],
        cwd=target.project_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


async def test_prose_with_several_blocks_is_merged(server, settings, make_request) -> None:
    answer = (
        "I'll start with imports and one test:\n```python\nfrom grade import grade\n\n"
        "def test_grade_a():\n    assert grade(95) == 'A'\n```\n"
        "And the failing branch:\n```python\nfrom grade import grade\n\n"
        "def test_grade_fail():\n    assert grade(10) == 'fail'\n```\nThat's all."
    )
    server.push(Answer(answer))
    result = await LiteLLMProvider(settings()).generate(make_request())
    assert result.extra["tests"] == ["test_grade_a", "test_grade_fail"]
    assert result.test_source.count("from grade import grade") == 1


async def test_no_code_is_asked_once_more_with_the_stricter_prompt(
    server, settings, make_request
) -> None:
    server.push(
        Answer("You should test the boundaries 49, 50, 89 and 90.", 100, 20),
        Answer(_fenced(GRADE_TESTS, before="", after=""), 150, 60),
    )
    result = await LiteLLMProvider(settings()).generate(make_request())
    assert result.extra["tests"] == ["test_grade_ninety_is_a", "test_grade_out_of_range_raises"]
    assert result.extra["calls"] == 2
    assert (result.prompt_tokens, result.completion_tokens) == (250, 80)
    retry = server.requests[1].messages
    assert retry[-2] == {
        "role": "assistant",
        "content": "You should test the boundaries 49, 50, 89 and 90.",
    }
    assert "could not be used" in retry[-1]["content"] and "```python" in retry[-1]["content"]


async def test_twice_no_code_is_reported_not_invented(server, settings, make_request) -> None:
    server.push(Answer("No idea."), Answer("Still no code, sorry."))
    result = await LiteLLMProvider(settings()).generate(make_request())
    assert result.test_source == ""
    assert "no usable test code after a stricter retry" in result.notes
    assert result.extra["calls"] == 2 and len(server.requests) == 2


async def test_repair_prompt_carries_the_failing_test_and_its_failure(
    server, settings, make_request
) -> None:
    feedback = Feedback(
        kept_test_source=GRADE_TESTS,
        failed=(
            FailedTest(
                "test_grade_ninety_is_a",
                "AssertionError: assert 'pass' == 'A'",
                "E       AssertionError: assert 'pass' == 'A'\ntest_grade.py:7: AssertionError",
            ),
        ),
    )
    server.push(Answer(_fenced(GRADE_TESTS)))
    result = await LiteLLMProvider(settings()).generate(make_request(2, feedback))
    assert result.extra["prompt"] == "repair"
    prompt = server.requests[0].messages[1]["content"]
    assert "### test_grade_ninety_is_a" in prompt
    assert 'def test_grade_ninety_is_a():\n    assert grade(90) == "A"' in prompt
    assert "test_grade.py:7: AssertionError" in prompt and GRADE_SOURCE.strip() in prompt
    assert "xfail(strict=True" in prompt


async def test_coverage_prompt_shows_one_missed_segment_with_line_numbers(
    server, settings, make_request
) -> None:
    feedback = Feedback(
        kept_test_source=GRADE_TESTS,
        missing_lines=(13, 14),
        missing_branches=((12, 13),),
        line_percent=80.0,
        branch_percent=70.0,
    )
    server.push(Answer(_fenced(GRADE_TESTS)))
    result = await LiteLLMProvider(settings()).generate(make_request(2, feedback))
    assert result.extra["prompt"] == "coverage_growth"
    prompt = server.requests[0].messages[1]["content"]
    assert '>> 13:         return "pass"' in prompt and "   6: def grade" in prompt
    assert "- lines: 13-14" in prompt and "12 -> 13" in prompt
    assert "80% of lines and 70% of branches" in prompt


async def test_chat_streams_the_reply_with_the_history(server, settings) -> None:
    server.push(Answer("Test the empty cart first.", pieces=("Test ", "the empty ", "cart first.")))
    provider = LiteLLMProvider(settings())
    turns = [
        ChatTurn("user", "write tests for cart.py"),
        ChatTurn("assistant", "Done: 4 tests."),
        ChatTurn("user", "what next?"),
    ]
    pieces = [piece async for piece in provider.chat(turns)]
    assert pieces == ["Test ", "the empty ", "cart first."]
    messages = server.requests[0].messages
    assert messages[0]["role"] == "system"
    assert [m["content"] for m in messages[1:]] == [t.content for t in turns]


async def test_chat_history_is_trimmed_to_the_window_keeping_the_latest(settings) -> None:
    provider = LiteLLMProvider(settings("openai/regoose-local-model"))  # unknown: 8192 tokens
    # About 5000 tokens each: the two old turns together do not fit 8192 - 1024.
    old = [ChatTurn("user", "word " * 5000), ChatTurn("assistant", "reply " * 5000)]
    turns = [*old, ChatTurn("user", "and now?")]
    messages = await provider.chat_messages(turns)
    assert messages[0]["role"] == "system"
    assert [m["content"] for m in messages[1:]] == [old[1].content, "and now?"]
    small = await provider.chat_messages([ChatTurn("user", "hi"), ChatTurn("user", "again")])
    assert [m["content"] for m in small[1:]] == ["hi", "again"]
