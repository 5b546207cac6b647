"""Test names that say the behaviour: callee, salient arguments, outcome.

``test_is_email_empty_string_returns_false``,
``test_timer_stop_raises_timer_error``,
``test_tax_rate_when_unknown_region_raises_key_error``.
What a name may take from the inputs is in name_words.py: code words and
kinds, never an argument's value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import Any

from regoose_tui.synth.model import Args, Candidate, render_args, snake
from regoose_tui.synth.name_words import (
    IDENTIFIER,
    kind_word,
    reason_words,
    slug,
    source_words,
    value_word,
)
from regoose_tui.synth.values import Val

#: ``def <name>(capsys):`` fits the 88 columns ruff checks by default.
_MAX_NAME = 75
#: A name ending like this reads as a counter (``test_x_2``), whatever made it.
_ENDS_IN_NUMBER = re.compile(r"_\d+$")
_DUNDER_WORDS = {
    "__call__": "call",
    "__len__": "len",
    "__iter__": "iter",
    "__contains__": "contains",
    "__getitem__": "getitem",
    "__setitem__": "setitem",
    "__delitem__": "delitem",
    "__eq__": "equals",
    "__ne__": "not_equals",
    "__lt__": "less_than",
    "__le__": "less_or_equal",
    "__gt__": "greater_than",
    "__ge__": "greater_or_equal",
    "__add__": "add",
    "__sub__": "sub",
    "__mul__": "mul",
    "__truediv__": "div",
    "__or__": "or",
    "__and__": "and",
    "__str__": "str",
    "__repr__": "repr",
    "__bool__": "bool",
    "__hash__": "hash",
    "__enter__": "context_manager",
    "__getattr__": "getattr",
    "__setattr__": "setattr",
}


_slug = slug
_NO_WORDS: frozenset[str] = frozenset()


def subject(cand: Candidate) -> str:
    """The callee part: ``is_email``, ``timer``, ``timer_stop``."""
    callee = cand.callee
    if callee.kind == "function":
        return _slug(callee.name) or "function"
    owner = snake(callee.owner or callee.symbol)
    if callee.kind == "ctor":
        return owner
    if callee.kind == "dunder":
        return f"{owner}_{_DUNDER_WORDS.get(callee.name, _slug(callee.name))}"
    return f"{owner}_{_slug(callee.name)}"


def describe_args(args: Args, limit: int = 2, vocabulary: frozenset[str] = _NO_WORDS) -> str:
    """Words of the first few arguments that have one (``ignore_case_true``, ``eu``).

    An argument is named by a code constant it is, or its kind (see name_words.py),
    or, passed by keyword with neither, by its keyword; other arguments add nothing.
    """
    parts = []
    for keyword, val in args:
        word = value_word(val, vocabulary)
        part = f"{keyword}_{word}" if keyword and word else keyword or word
        if part:
            parts.append(part)
    if len(parts) == 3 and all(len(p) <= 6 for p in parts):
        limit = 3
    return "_".join(parts[:limit])


_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def _number_words(literal: str) -> str | None:
    """``-3`` -> ``negative_three``: a name ending in digits reads like a counter."""
    value = int(literal)
    if abs(value) >= len(_NUMBER_WORDS):
        return None
    word = _NUMBER_WORDS[abs(value)]
    return f"negative_{word}" if value < 0 else word


def outcome_words(result: dict[str, Any], value_stable: bool, type_name: str | None) -> str:
    """``returns_true``, ``raises_value_error``, ``returns_three``, ``returns_list``, ``works``."""
    outcome = result.get("outcome")
    if outcome == "raise":
        return f"raises_{snake(result.get('exc', {}).get('name', 'error'))}"
    if outcome == "stmt":
        return "updates_state" if result.get("observed") else "works"
    value = result.get("value") or {}
    literal = value.get("lit") if value_stable else None
    fixed = {
        "True": "returns_true",
        "False": "returns_false",
        "None": "returns_none",
        "''": "returns_empty_string",
        "[]": "returns_empty_list",
        "{}": "returns_empty_dict",
        "()": "returns_empty_tuple",
        "set()": "returns_empty_set",
        "0": "returns_zero",
        "0.0": "returns_zero",
    }
    if literal in fixed:
        return fixed[literal]
    kind = type_name or value.get("type") or "value"
    if literal is not None and re.fullmatch(r"-?\d{1,6}", literal):
        words = _number_words(literal)
        return f"returns_{words}" if words else "returns_int"
    text = _str_literal(literal) if kind == "str" else None
    # A returned word (``returns_uk``) names the result; other text is named by its kind.
    if text is not None and IDENTIFIER.fullmatch(text):
        words = _slug(text)
        if not _ENDS_IN_NUMBER.search(f"_{words}"):
            return f"returns_{words}"
    if cand_is_ctor(result):
        return f"creates_{snake(kind)}"
    return f"returns_{snake(kind)}"


def _str_literal(literal: str | None) -> str | None:
    """The string a ``repr`` spells, or None."""
    if literal is None or len(literal) > 40:
        return None
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def cand_is_ctor(result: dict[str, Any]) -> bool:
    """Marker set by the renderer for constructor calls."""
    return bool(result.get("_ctor"))


def _cut(words: str, size: int) -> str:
    """``words`` cut to ``size`` characters at a word's end (never ``empty_str``)."""
    if len(words) <= size:
        return words
    cut = words[: size + 1]
    return (cut.rsplit("_", 1)[0] if "_" in cut else words[:size]).rstrip("_")


def make_test_name(
    cand: Candidate, outcome: str, detail: str = "", vocabulary: frozenset[str] = _NO_WORDS
) -> str:
    """The full test function name (not yet deduplicated).

    ``detail`` is what sets this test apart from another with the same name; when the
    name is too long, the argument tags give way first, then the callee's words, so
    the detail always survives (it is what makes the name unique).
    """
    head = [subject(cand)]
    if cand.prior:
        head.append("after_" + "_and_".join(_slug(name) for name, _ in cand.prior))
    core = "_".join(
        p for p in ("_".join(head), describe_args(cand.args, vocabulary=vocabulary)) if p
    )
    room = _MAX_NAME - len(outcome) - 6
    detail = _slug(detail)[: max(0, room - 12)].rstrip("_")
    if detail:
        core = _cut(core, max(8, room - len(detail) - 1))
        name = f"{core}_{detail}"
    else:
        name = _cut(core, room)
    return _slug(f"test_{name}_{outcome}")


def _differing_args(
    cand: Candidate, other: Candidate | None, vocabulary: frozenset[str]
) -> tuple[str, str]:
    """The arguments of ``cand`` that ``other`` does not share: as name words, and as kinds."""
    theirs = {key: val for key, (_, val) in _keyed(other)} if other is not None else {}
    words, kinds = [], []
    for key, (keyword, val) in _keyed(cand):
        mine = theirs.get(key)
        if mine is not None and mine.src == val.src:
            continue
        prefix = f"{keyword}_" if keyword else ""
        word = value_word(val, vocabulary)
        if word and (mine is None or value_word(mine, vocabulary) != word):
            words.append(prefix + word)
        elif mine is None and keyword:
            words.append(keyword)  # only this call passes it
        kind = kind_word(val)
        if kind and (mine is None or kind_word(mine) != kind):
            kinds.append(prefix + kind)
    return "_".join(words), "_".join(kinds)


def _keyed(cand: Candidate) -> list[tuple[str, tuple[str | None, Val]]]:
    return [(keyword or f"#{i}", (keyword, val)) for i, (keyword, val) in enumerate(cand.args)]


def _inputs(cand: Candidate) -> list[Val]:
    return [val for _, val in cand.args] + [val for _, args in cand.prior for _, val in args]


def _reason(cand: Candidate, result: dict[str, Any]) -> str:
    """The exception's reason in words (``unknown_region``), or ``""``."""
    exc = result.get("exc") or {}
    if result.get("outcome") != "raise" or not exc.get("msg"):
        return ""
    return reason_words(str(exc["msg"]), _inputs(cand))


def _call_words(args: Args, vocabulary: frozenset[str]) -> str:
    """The code words of an argument list (``region='EU'`` -> ``region_eu``)."""
    return source_words(f"_({render_args(args)})", vocabulary, 2)


def _details(
    cand: Candidate, other: Candidate | None, result: dict[str, Any], vocabulary: frozenset[str]
) -> list[str]:
    """Ways to tell ``cand`` from ``other``, most telling first: reason, inputs, receiver.

    ``other`` is None when the name is held by a test of an earlier round, whose
    call is not known here: then everything about ``cand`` may tell it apart.
    """
    found: list[str] = []
    reason = _reason(cand, result)
    if reason and (other is None or reason != _reason(other, other.result)):
        found.append(f"when_{reason}")
    words, kinds = _differing_args(cand, other, vocabulary)
    if words:
        found.append(f"with_{words}")
    if kinds:
        found.append(f"with_{kinds}")
    if cand.receiver is not None and (
        other is None or other.receiver is None or other.receiver.src != cand.receiver.src
    ):
        tag = value_word(cand.receiver, vocabulary)
        found.append(f"on_{tag}" if tag else f"on_{source_words(cand.receiver.src, vocabulary)}")
        found.append(f"on_{source_words(cand.receiver.src, vocabulary, 6)}")
    if cand.prior and (other is None or cand.prior != other.prior):
        found.append("after_" + "_".join(_call_words(args, vocabulary) for _, args in cand.prior))
    if other is None:
        return [d for d in found if _slug(d) and not d.endswith("_")]
    mine = {tuple(a) for a in result.get("arcs", [])}
    theirs = {tuple(a) for a in other.result.get("arcs", [])}
    # The branch only this test reaches, by the first line it enters (exits are negative).
    lines = sorted(dst for _, dst in mine - theirs if dst > 0)
    if lines:
        found.append(f"reaching_line_{lines[0]}")
    return [d for d in found if _slug(d) and not d.endswith("_")]


class NameRegistry:
    """Hands out unique names that say what sets a test apart, never a counter.

    The first test of a behaviour gets the plain name; a later one with the same
    name gets the exception's reason, the arguments that differ, the receiver or the
    branch only it reaches spliced in before its outcome.
    """

    def __init__(self, taken: Iterable[str] = (), vocabulary: frozenset[str] = _NO_WORDS) -> None:
        #: Names already in use; ``taken`` ones belong to the suite kept so far.
        self.used: dict[str, Candidate | None] = dict.fromkeys(taken)
        #: The code's own constants an argument may be named by (name_words.code_vocabulary).
        self.vocabulary = vocabulary

    def name_for(self, cand: Candidate, outcome: str, result: dict[str, Any]) -> str:
        """The unique name of the test of ``cand`` whose outcome reads ``outcome``.

        A raise says its reason (``test_tax_rate_when_unknown_region_raises_key_error``):
        that is the behaviour it checks.
        """
        reason = _reason(cand, result)
        name = make_test_name(cand, outcome, f"when_{reason}" if reason else "", self.vocabulary)
        return self.unique(name, cand, outcome, result)

    def unique(
        self,
        name: str,
        cand: Candidate | None = None,
        outcome: str = "",
        result: dict[str, Any] | None = None,
    ) -> str:
        """``name``, or a longer name from what tells ``cand`` apart from the holder."""
        if name not in self.used:
            self.used[name] = cand
            return name
        holder = self.used[name]
        if cand is not None and outcome:
            details = _details(cand, holder, result or cand.result, self.vocabulary)
            tried: list[str] = []
            for detail in details:
                tried.append(detail)
                for text in (detail, "_".join(tried)):
                    candidate = make_test_name(cand, outcome, text, self.vocabulary)
                    if candidate not in self.used:
                        self.used[candidate] = cand
                        return candidate
        # Nothing tells the two apart in words (the same call on different objects the
        # name cannot show): a letter, never a number, keeps the name from reading as a
        # counter; this is the rare last resort.
        for letter in "bcdefghijklmnopqrstuvwxyz":
            candidate = (
                make_test_name(cand, outcome, f"case_{letter}", self.vocabulary)
                if cand is not None and outcome
                else f"{name}_case_{letter}"
            )
            if candidate not in self.used:
                self.used[candidate] = cand
                return candidate
        raise ValueError(f"too many tests named {name}")
