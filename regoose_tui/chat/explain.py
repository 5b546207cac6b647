"""Explain a failed test from its message and traceback, with no LLM.

pytest's report already holds what a person needs: the assertion with both
values, the exception, and the frames. This picks them out and says in plain
words what they mean and where to look; a model can say more, but this is
always available and exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_ASSERT_COMPARE = re.compile(
    r"assert (?P<left>.+?) (?P<op>==|!=|<=|>=|<|>|in|not in|is|is not) (?P<right>.+)$"
)
_EXC_LINE = re.compile(
    r"^E\s+(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failed)\b)(?::\s*(?P<msg>.*))?$"
)
_FRAME = re.compile(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<func>\w+))?")

_HINTS: dict[str, str] = {
    "ModuleNotFoundError": "The module could not be imported: check `--project` (the import root) "
    "and that the code's dependencies are installed in the active venv.",
    "ImportError": "An import failed: a name may have moved or a dependency is missing.",
    "TypeError": "A call did not match a signature, or a value had the wrong type: compare the "
    "arguments in the test with the function's parameters.",
    "AttributeError": "An object lacks the attribute used: a rename, or a None where an object "
    "was expected.",
    "KeyError": "A dictionary lookup missed: the key is absent in the data the code saw.",
    "ValueError": "The code rejected a value: the test may pass input the code does not accept "
    "(or the code's validation changed).",
    "ZeroDivisionError": "A division by zero: an empty collection or a zero count reached arithmetic.",
    "RecursionError": "Unbounded recursion: a base case is never reached for this input.",
    "Failed": "pytest.fail or a missing expected exception (`DID NOT RAISE`): the code did not "
    "raise what the test expected.",
}


@dataclass(frozen=True)
class FailureInfo:
    """A failed test as the explainer needs it."""

    name: str
    message: str
    traceback: str = ""


def find_failure(failures: Iterable[FailureInfo], name: str | None) -> FailureInfo | None:
    """The failure called ``name`` (substring match), or the last one when ``name`` is None."""
    items = list(failures)
    if not items:
        return None
    if name is None:
        return items[-1]
    for item in items:
        if item.name.split("::")[-1].split("[")[0] == name:
            return item
    for item in items:
        if name in item.name:
            return item
    return None


def explain_failure(failure: FailureInfo) -> str:
    """A short Markdown explanation of why ``failure`` failed."""
    text = "\n".join(part for part in (failure.message, failure.traceback) if part)
    lines = text.splitlines()
    exc_type, exc_msg = _exception(lines, failure.message)
    short_name = failure.name.split("::")[-1]
    out = [f"**{short_name}** failed" + (f" with `{exc_type}`" if exc_type else "") + "."]
    comparison = _comparison(lines)
    if comparison:
        left, op, right = comparison
        if op == "==":
            out.append(
                f"The test expected `{right}` but the code gave `{left}`. Either the "
                "expectation is out of date or the code's behaviour changed."
            )
        else:
            out.append(f"The check `{left} {op} {right}` did not hold.")
    elif exc_msg:
        out.append(f"The error says: `{exc_msg[:300]}`")
    if "DID NOT RAISE" in text:
        out.append("The test expected an exception, but the call returned normally.")
    frames = _frames(lines)
    if frames:
        file, line, func = frames[-1]
        where = f"`{file}:{line}`" + (f" in `{func}`" if func else "")
        out.append(f"It stopped at {where}.")
    hint = _HINTS.get((exc_type or "").rsplit(".", 1)[-1])
    if hint:
        out.append(hint)
    source_line = _failing_source(lines)
    if source_line:
        out.append(f"\n```python\n{source_line}\n```")
    out.append(
        "\nTo change the code or the test for you, switch to an LLM provider "
        "(`/provider openai/gpt-4o-mini`); offline, Regoose can drop or regenerate the test."
    )
    return "\n".join(out)


def _exception(lines: list[str], message: str) -> tuple[str | None, str | None]:
    for line in reversed(lines):
        match = _EXC_LINE.match(line.strip())
        if match:
            return match.group("type"), (match.group("msg") or "").strip() or None
    head = message.strip().splitlines()[0] if message.strip() else ""
    match = re.match(r"(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Failed)):?\s*(?P<msg>.*)", head)
    if match:
        return match.group("type"), match.group("msg") or None
    return None, head or None


def _comparison(lines: list[str]) -> tuple[str, str, str] | None:
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("E"):
            stripped = stripped[1:].strip()
        if stripped.startswith("AssertionError:"):
            stripped = stripped.split(":", 1)[1].strip()
        match = _ASSERT_COMPARE.match(stripped)
        if match and stripped.startswith("assert "):
            return match.group("left"), match.group("op"), match.group("right")
    return None


def _frames(lines: list[str]) -> list[tuple[str, str, str | None]]:
    frames = []
    for line in lines:
        match = _FRAME.match(line.strip())
        if match:
            frames.append((match.group("file"), match.group("line"), match.group("func")))
    return frames


def _failing_source(lines: list[str]) -> str | None:
    for line in lines:
        if line.startswith(">"):
            return line[1:].strip()
    return None
