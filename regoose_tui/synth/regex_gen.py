"""Strings that match a regular expression, for inputs a sampler would not guess.

Walks the parsed pattern (``re._parser``) and builds short, readable ASCII
examples: repetitions take their minimum, then one or two more; branches and
character classes rotate through their options. Every sample is checked with
``re.search`` before it is returned, so a pattern the walker gets wrong only
yields fewer samples.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]  # private module: typeshed has no stub
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse

_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_NOT_DIGIT": "abcxyz",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "abc123",
    "CATEGORY_WORD": "abcxyz019_",
    "CATEGORY_NOT_WORD": " -.@",
}
_PRINTABLE = string.ascii_letters + string.digits + " -_.@:/"
_MAX_REPEAT_EXTRA = 3


def regex_samples(pattern: str, flags: int = 0, count: int = 6, seed: int = 0) -> list[str]:
    """Up to ``count`` distinct strings matching ``pattern`` (deterministic)."""
    try:
        parsed = sre_parse.parse(pattern, flags)
        compiled = re.compile(pattern, flags)
    except (re.error, TypeError, ValueError, RecursionError):
        return []
    rng = random.Random(seed)
    found: dict[str, None] = {}
    for attempt in range(count * 4):
        gen = _Gen(rng, attempt)
        try:
            text = gen.walk(parsed)
        except (RecursionError, _Unsupported):
            continue
        if len(text) <= 200 and compiled.search(text) and text not in found:
            found[text] = None
            if len(found) >= count:
                break
    return list(found)


class _Unsupported(Exception):
    pass


class _Gen:
    def __init__(self, rng: random.Random, attempt: int) -> None:
        self.rng = rng
        self.attempt = attempt
        self.groups: dict[int, str] = {}

    # The parsed pattern is a private, untyped tree whose argument shape depends on the
    # opcode (an int, a tuple, a nested pattern...): `Any` says so, each branch unpacks it.
    def walk(self, items: Any) -> str:
        return "".join(self.node(op, av) for op, av in items)

    def node(self, op: object, av: Any) -> str:
        name = str(op)
        if name == "LITERAL":
            return chr(av)
        if name == "NOT_LITERAL":
            return "x" if chr(av) != "x" else "y"
        if name == "ANY":
            return self.rng.choice("abc1")
        if name == "IN":
            return self.klass(av)
        if name == "BRANCH":
            options = av[1]
            index = self.attempt % len(options) if self.attempt < len(options) else None
            chosen = options[index] if index is not None else self.rng.choice(options)
            return self.walk(chosen)
        if name == "SUBPATTERN":
            group, _add, _del, sub = av
            text = self.walk(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            high = min(high, low + _MAX_REPEAT_EXTRA)
            if self.attempt == 0:
                times = max(low, 1) if high >= 1 else low
            else:
                times = self.rng.randint(low, high)
            return "".join(self.walk(sub) for _ in range(times))
        if name == "GROUPREF":
            return self.groups.get(av, "")
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return ""
        if name == "ATOMIC_GROUP":
            return self.walk(av)
        if name == "GROUPREF_EXISTS":
            _group, yes, _no = av
            return self.walk(yes)
        if name == "CATEGORY":
            return self.rng.choice(_CATEGORY_CHARS.get(str(av), "a"))
        raise _Unsupported(name)

    def klass(self, items: list[tuple[object, Any]]) -> str:
        negate = any(str(op) == "NEGATE" for op, _ in items)
        chars: list[str] = []
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                chars.append(chr(av))
            elif name == "RANGE":
                lo, hi = av
                span = [chr(c) for c in range(lo, min(hi, lo + 60) + 1)]
                chars.extend(span)
            elif name == "CATEGORY":
                chars.extend(_CATEGORY_CHARS.get(str(av), "a"))
        if negate:
            allowed = [c for c in _PRINTABLE if c not in chars]
            return self.rng.choice(allowed or ["\x00"])
        if not chars:
            raise _Unsupported("empty class")
        printable = [c for c in chars if c.isprintable()] or chars
        return self.rng.choice(printable)
