"""A new name for a test whose name is taken: from what its body does differently, never a counter.

``test_is_email_returns_false`` taken by a test of ``is_email('')`` becomes,
for a test of ``is_email('a@b')``, ``test_is_email_with_a_b_returns_false``:
the words are the facts of the new body (literals, then names and attributes)
the holder's body does not have, spliced in before the outcome words
(``returns_…``, ``raises_…``) so the name still ends in what the test checks.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Container

#: Where the outcome part of a generated name starts (the detail goes just before it).
_OUTCOME = re.compile(r"_(returns|raises|creates|works|updates|is|equals|prints)(_|$)")
_MAX_NAME = 75
_MAX_WORDS = 4
_LITERAL_WORDS = 3
_MIN_DETAIL = 12


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^0-9a-zA-Z_]+", "_", text)).strip("_").lower()


def body_facts(node: ast.AST) -> list[str]:
    """The facts of a definition's body, in order: literals first, then names, attributes."""
    literals: list[str] = []
    names: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Constant):
            if child.value is None:
                literals.append("none")
            elif isinstance(child.value, str | bytes):
                text = (
                    child.value.decode("latin-1") if isinstance(child.value, bytes) else child.value
                )
                # A long literal gives its first words, not a sentence.
                literals.append("_".join(_slug(text).split("_")[:_LITERAL_WORDS]) or "empty")
            elif not isinstance(child.value, bool):
                literals.append(_number(child.value))
        elif isinstance(child, ast.Name) and child.id not in ("self", "pytest", "re"):
            names.append(_slug(child.id))
        elif isinstance(child, ast.Attribute):
            names.append(_slug(child.attr))
        elif isinstance(child, ast.keyword) and child.arg:
            names.append(_slug(child.arg))
    seen: set[str] = set()
    out = []
    for fact in literals + names:
        if fact and fact not in seen:
            seen.add(fact)
            out.append(fact)
    return out


def _number(value: object) -> str:
    text = str(value).replace("-", "negative_").replace(".", "_point_")
    return f"value_{_slug(text)}"


def splice(name: str, detail: str, limit: int = _MAX_NAME) -> str:
    """``name`` with ``detail`` before its outcome words (or at its end), within ``limit``.

    The detail gives way first (it is cut, never the words of the name it joins),
    then the head of the name, down to its first few letters.
    """
    detail = _slug(detail)
    match = _OUTCOME.search(name, 5)
    head, tail = (name[: match.start()], name[match.start() :]) if match else (name, "")
    room = limit - len(head) - len(tail) - 1
    if len(detail) > room:
        detail = detail[: max(room, _MIN_DETAIL)].rstrip("_")
        head = head[: max(len("test_") + 3, limit - len(tail) - len(detail) - 1)].rstrip("_")
    return f"{head}_{detail}{tail}"


def rename_def(segment: str, old: str, new: str, line_length: int = 88) -> str:
    """``segment`` (a def's source) with the def renamed, its signature wrapped as ruff would.

    A longer name can push ``def name(self, capsys):`` past the line length; ruff
    format then puts the parameters on their own line (one parameter gets a
    trailing comma). A signature that was wrapped already stays as it was.
    """
    renamed = segment.replace(f"def {old}(", f"def {new}(", 1)
    lines = renamed.split("\n")
    index = next((i for i, line in enumerate(lines) if f"def {new}(" in line), None)
    if index is None:
        return renamed
    line = lines[index]
    match = re.fullmatch(r"(\s*)((?:async )?def \w+)\((.*)\)(\s*->.*)?:", line)
    if len(line) <= line_length or match is None or not match.group(3):
        return renamed
    indent, head, params, returns = match.group(1), match.group(2), match.group(3), match.group(4)
    inner = indent + "    "
    parts = [p.strip() for p in params.split(",") if p.strip()]
    if len(parts) > 1 and len(inner + ", ".join(parts)) <= line_length:
        body = [inner + ", ".join(parts)]
    else:
        body = [f"{inner}{part}," for part in parts]
    lines[index : index + 1] = [f"{indent}{head}(", *body, f"{indent}){returns or ''}:"]
    return "\n".join(lines)


def distinct_name(
    name: str,
    node: ast.AST,
    holder: ast.AST | None,
    taken: Container[str],
    limit: int = _MAX_NAME,
) -> str | None:
    """A free name for ``node`` from facts ``holder`` lacks; None when nothing tells them apart."""
    theirs = set(body_facts(holder)) if holder is not None else set()
    mine = [f for f in body_facts(node) if f not in theirs and f not in name]
    for count in range(1, min(_MAX_WORDS, len(mine)) + 1):
        for start in range(0, len(mine) - count + 1):
            words = "_".join(mine[start : start + count])
            candidate = splice(name, f"with_{words}", limit)
            if candidate not in taken and not re.search(r"_\d+$", candidate):
                return candidate
    return None
