"""The model's first prompt with a baseline (aim at what the project's tests miss) and --only."""

from __future__ import annotations

from dataclasses import replace

from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.target import TargetModule
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.llm.messages import COVERAGE, FIRST, generation_messages
from regoose_tui.tools.registry import ToolRegistry


def _request(target: TargetModule, **fields: object) -> GenerationRequest:
    request = GenerationRequest(target=target, tools=ToolRegistry([]))
    return replace(request, **fields)  # type: ignore[arg-type]  # test fields, checked by the dataclass


def test_a_baseline_turns_the_first_prompt_to_the_lines_it_misses(target: TargetModule) -> None:
    # The project's tests reach "A" and the range check, not "pass" or "fail" (lines 13, 14).
    baseline = Feedback(missing_lines=(13, 14), missing_branches=((12, 14),), line_percent=60.0)
    kind, messages = generation_messages(_request(target, baseline=baseline))
    assert kind == COVERAGE
    prompt = messages[-1]["content"]
    assert "coverage is 60% of lines" in prompt
    assert '>> 13:         return "pass"' in prompt and "- lines: 13-14" in prompt
    # No baseline, or one that misses nothing: the usual first prompt.
    assert generation_messages(_request(target))[0] == FIRST
    assert generation_messages(_request(target, baseline=Feedback()))[0] == FIRST


def test_only_names_close_every_prompt(target: TargetModule) -> None:
    kind, messages = generation_messages(_request(target, only=("grade",)))
    assert kind == FIRST
    assert messages[-1]["content"].endswith(
        "Write tests only for `grade`; leave the rest of the module alone."
    )
    assert "Write tests only" not in messages[0]["content"]  # the system prompt is unchanged
