"""Candidate argument values: literal pools, type-driven pools and mutation.

A ``Val`` is Python source for an argument plus, for plain literals, the
value itself (so it can be mutated) and a short tag that test names use.
Everything is deterministic: pools are ordered, randomness takes a seed.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

_OPAQUE = object()


@dataclass(frozen=True)
class Val:
    """One argument value: its source, the literal object (if any) and a name tag."""

    src: str
    obj: object = field(default=_OPAQUE, compare=False, hash=False)
    tag: str = ""
    imports: frozenset[str] = frozenset()
    #: For instances: the constructor candidate that built it (mutated to vary the object).
    recipe: object = field(default=None, compare=False, hash=False)

    @property
    def is_literal(self) -> bool:
        """True when ``obj`` holds the value (and it can be mutated)."""
        return self.obj is not _OPAQUE


def py_src(obj: object) -> str:
    """Source that evaluates to ``obj`` for plain data (handles nan/inf and sets)."""
    if isinstance(obj, float) and not isinstance(obj, bool):
        if math.isnan(obj):
            return "float('nan')"
        if math.isinf(obj):
            return "float('inf')" if obj > 0 else "-float('inf')"
        return repr(obj)
    if isinstance(obj, list):
        return "[" + ", ".join(py_src(x) for x in obj) + "]"
    if isinstance(obj, tuple):
        inner = ", ".join(py_src(x) for x in obj)
        return f"({inner},)" if len(obj) == 1 else f"({inner})"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{py_src(k)}: {py_src(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, set | frozenset):
        if not obj:
            return "set()" if isinstance(obj, set) else "frozenset()"
        body = "{" + ", ".join(sorted(py_src(x) for x in obj)) + "}"
        return body if isinstance(obj, set) else f"frozenset({body})"
    return repr(obj)


def tag_of(obj: object) -> str:
    """A short, identifier-safe description of a literal for test names."""
    if obj is None:
        return "none"
    if isinstance(obj, bool):
        return str(obj).lower()
    if isinstance(obj, int):
        if obj == 0:
            return "zero"
        return f"negative_{-obj}" if obj < 0 else str(obj)
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "infinity"
        text = f"{obj:g}".replace("-", "negative_").replace(".", "_").replace("+", "")
        return f"float_{text}"
    if isinstance(obj, str | bytes):
        text = obj.decode("latin-1") if isinstance(obj, bytes) else obj
        kind = "bytes" if isinstance(obj, bytes) else "string"
        if not text:
            return f"empty_{kind}"
        if not text.strip():
            return f"blank_{kind}"
        slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
        if slug and len(slug) <= 24 and len(text) <= 30:
            return slug
        return f"long_{kind}" if len(text) > 30 else kind
    if isinstance(obj, list | tuple | set | frozenset | dict):
        kind = type(obj).__name__
        return f"empty_{kind}" if not obj else f"{kind}_of_{len(obj)}"
    return "value"


def lit(obj: object, tag: str | None = None) -> Val:
    """A literal Val for plain data."""
    return Val(py_src(obj), obj, tag if tag is not None else tag_of(obj))


def opaque(src: str, tag: str, imports: frozenset[str] = frozenset()) -> Val:
    """A Val that is an expression (an instance, a lambda, a class)."""
    return Val(src, _OPAQUE, tag, imports)


GENERIC_STRINGS: tuple[str, ...] = (
    "",
    "abc",
    "Hello World",
    " ",
    "hello_world",
    "helloWorld",
    "HelloWorld",
    "123",
    "-7",
    "3.14",
    "a",
    "A1b2",
    "foo@example.com",
    "http://example.com/path?q=1",
    "été Łódź",
    "snow ☃ star ★ 🙂",
    "line one\nline two",
    "  padded  ",
    "hello-world",
    "UPPER",
    "x" * 60,
    "0",
    "true",
    "{}",
    "!@#$%",
)
GENERIC_INTS: tuple[int, ...] = (0, 1, -1, 2, 3, 10, 100, -10, 255, 1000, 7, 65536)
GENERIC_FLOATS: tuple[float, ...] = (0.0, 1.0, -1.5, 0.5, 3.14, 100.0, 1e-09, -0.0, 1e20)

NAME_HINTS: tuple[tuple[str, str], ...] = (
    (
        r"(^|_)(str|string|text|name|word|line|label|title|prefix|suffix|sep|separator|char|msg|message|key|url|email|path|file|filename|pattern|s|fmt|format|value_str|input)($|_|s$)",
        "str",
    ),
    (
        r"(^|_)(n|num|number|count|size|length|len|index|idx|width|height|depth|level|limit|max|min|start|end|offset|pos|port|year|month|day|i|j|k|x|y|seconds|timeout)($|_)",
        "int",
    ),
    (
        r"(^|_)(items|values|elements|lst|list|seq|sequence|args|numbers|names|lines|words|rows)($|_)",
        "list",
    ),
    (r"(^|_)(mapping|dict|data|kwargs|options|config|params|headers|attrs|d)($|_)", "dict"),
    (
        r"(^|_)(flag|enabled|strict|verbose|is|has|allow|ignore|force|normalize|reverse)($|_)",
        "bool",
    ),
    (r"(^|_)(func|fn|callback|cb|handler|key_func|predicate|logger|factory)($|_)", "callable"),
    (
        r"(^|_)(ratio|rate|factor|scale|weight|amount|price|temperature|alpha|beta|prob)($|_)",
        "float",
    ),
)


def name_hint(param: str) -> str | None:
    """A type guessed from a parameter's name (``count`` -> int), or None."""
    low = param.lower()
    for pattern, hint in NAME_HINTS:
        if re.search(pattern, low):
            return hint
    return None


def numeric_boundaries(numbers: list[int | float]) -> list[int | float]:
    """c-1, c, c+1 for ints and c-0.5, c, c+0.5 for floats, in order, deduplicated."""
    out: dict[int | float, None] = {}
    for c in numbers:
        step: int | float
        if isinstance(c, bool):
            continue
        if isinstance(c, int):
            step = 1
        elif isinstance(c, float) and math.isfinite(c):
            step = 0.5
        else:
            continue
        for v in (c, c - step, c + step):
            out[v] = None
    return list(out)


def mutate(
    obj: object, pool: list[object], rng: random.Random, *, strings: list[str] | None = None
) -> object:
    """A nearby value of the same kind, for coverage-guided search.

    ``strings``: the strings of ``pool``, when the caller has them listed already.
    """
    if isinstance(obj, bool):
        return not obj
    if isinstance(obj, int):
        choice = rng.randrange(6)
        if choice == 0:
            return obj + 1
        if choice == 1:
            return obj - 1
        if choice == 2:
            return -obj
        if choice == 3:
            return obj * 2 + 1
        numbers = [p for p in pool if isinstance(p, int) and not isinstance(p, bool)]
        return rng.choice(numbers) if numbers else rng.randrange(-5, 300)
    if isinstance(obj, float):
        return rng.choice([obj + 0.5, obj - 0.5, -obj, obj * 10, obj / 3, 0.0])
    if isinstance(obj, str):
        if strings is None:
            strings = [p for p in pool if isinstance(p, str)]
        return _mutate_str(obj, strings, rng)
    if isinstance(obj, bytes):
        return _mutate_str(obj.decode("latin-1"), [], rng).encode("utf-8")
    if isinstance(obj, list):
        return _mutate_list(obj, pool, rng)
    if isinstance(obj, tuple):
        return tuple(_mutate_list(list(obj), pool, rng))
    if isinstance(obj, dict):
        return _mutate_dict(obj, pool, rng)
    return obj


def _mutate_str(text: str, strings: list[str], rng: random.Random) -> str:
    choice = rng.randrange(11)
    other = rng.choice(strings) if strings else rng.choice(GENERIC_STRINGS)
    if choice == 0 and text:
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :]
    if choice == 1:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice("a Z0-_.@:/\n\t!,xé") + text[i:]
    if choice == 2:
        i = rng.randrange(len(text) + 1)
        return text[:i] + other + text[i:]
    if choice == 3:
        return text + rng.choice(["\n", " ", ": ", "\n    ", ",", "", "."]) + other
    if choice == 4:
        return rng.choice([text.upper(), text.lower(), text.title(), text.swapcase()])
    if choice == 5:
        return text + text
    if choice == 6:
        return text.strip() or other
    if choice == 7 and text:
        i = rng.randrange(len(text))
        return text[:i] + rng.choice("0123456789abcXYZ ") + text[i + 1 :]
    if choice == 8:
        return other
    if choice == 9:
        return text[: len(text) // 2]
    return "  " + text + "  "


def _mutate_list(items: list[object], pool: list[object], rng: random.Random) -> list[object]:
    items = list(items)
    choice = rng.randrange(5)
    if choice == 0 or not items:
        items.append(rng.choice(pool) if pool else rng.choice(GENERIC_INTS))
    elif choice == 1:
        items.pop(rng.randrange(len(items)))
    elif choice == 2:
        i = rng.randrange(len(items))
        items[i] = mutate(items[i], pool, rng)
    elif choice == 3:
        items = list(reversed(items))
    else:
        items = items + items[:1]
    return items


def _mutate_dict(data: dict[object, object], pool: list[object], rng: random.Random) -> dict:
    data = dict(data)
    keys = [p for p in pool if isinstance(p, str)] or ["key"]
    choice = rng.randrange(3)
    if choice == 0 or not data:
        data[rng.choice(keys)] = rng.choice([1, "value", None, True, [], 0])
    elif choice == 1:
        data.pop(rng.choice(list(data)))
    else:
        key = rng.choice(list(data))
        data[key] = mutate(data[key], pool, rng)
    return data
