"""Test names that say the behaviour: callee, salient arguments, outcome.

``test_is_email_foo_example_com_returns_true``,
``test_timer_stop_raises_timer_error``,
``test_register_call_with_42_returns_string``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from regoose_tui.synth.model import Args, Candidate, render_args, snake
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


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^0-9a-zA-Z_]+", "_", text)).strip("_").lower()


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


def describe_args(args: Args, limit: int = 2) -> str:
    """Tags of the first few arguments (``ignore_case_true``); three when they are short."""
    if len(args) == 3 and all(len(v.tag or "value") <= 6 and not k for k, v in args):
        limit = 3
    parts = []
    for keyword, val in args[:limit]:
        tag = val.tag or "value"
        parts.append(f"{keyword}_{tag}" if keyword else tag)
    if len(args) > limit:
        parts.append("and_more")
    return "_".join(parts)


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
    if literal is not None and kind == "str" and len(literal) <= 22:
        slug = _slug(literal)
        if slug and not _ENDS_IN_NUMBER.search(f"_{slug}"):
            return f"returns_{slug}"
    if cand_is_ctor(result):
        return f"creates_{snake(kind)}"
    return f"returns_{snake(kind)}"


def cand_is_ctor(result: dict[str, Any]) -> bool:
    """Marker set by the renderer for constructor calls."""
    return bool(result.get("_ctor"))


def make_test_name(cand: Candidate, outcome: str, detail: str = "") -> str:
    """The full test function name (not yet deduplicated).

    ``detail`` is what sets this test apart from another with the same name; when the
    name is too long, the argument tags give way first, then the callee's words, so
    the detail always survives (it is what makes the name unique).
    """
    head = [subject(cand)]
    if cand.prior:
        head.append("after_" + "_and_".join(_slug(name) for name, _ in cand.prior))
    core = "_".join(p for p in ("_".join(head), describe_args(cand.args)) if p)
    room = _MAX_NAME - len(outcome) - 6
    detail = _slug(detail)[: max(0, room - 12)].rstrip("_")
    if detail:
        core = core[: max(8, room - len(detail) - 1)].rstrip("_")
        name = f"{core}_{detail}"
    else:
        name = core[:room].rstrip("_")
    return _slug(f"test_{name}_{outcome}")


def _words(text: str, limit: int = 4) -> str:
    """The first few identifier words of ``text`` (a message, an argument's source)."""
    return "_".join(_slug(text).split("_")[:limit])


def _differing_args(cand: Candidate, other: Candidate | None) -> tuple[str, str]:
    """The arguments of ``cand`` that ``other`` does not share: as tags, and as source words."""
    theirs = {key: val for key, (_, val) in _keyed(other)} if other is not None else {}
    tags, words = [], []
    for key, (keyword, val) in _keyed(cand):
        mine = theirs.get(key)
        if mine is not None and mine.src == val.src:
            continue
        prefix = f"{keyword}_" if keyword else ""
        tag = val.tag or "value"
        tags.append(prefix + (tag if mine is None or mine.tag != tag else "value"))
        words.append(prefix + (_words(val.src, 3) or "value"))
    return "_".join(t for t in tags if not t.endswith("value")), "_".join(words)


def _keyed(cand: Candidate) -> list[tuple[str, tuple[str | None, Val]]]:
    return [(keyword or f"#{i}", (keyword, val)) for i, (keyword, val) in enumerate(cand.args)]


def _details(cand: Candidate, other: Candidate | None, result: dict[str, Any]) -> list[str]:
    """Ways to tell ``cand`` from ``other``, most telling first: reason, inputs, receiver.

    ``other`` is None when the name is held by a test of an earlier round, whose
    call is not known here: then everything about ``cand`` may tell it apart.
    """
    found: list[str] = []
    exc = result.get("exc") or {}
    other_exc = (other.result.get("exc") or {}) if other is not None else {}
    if result.get("outcome") == "raise" and exc.get("msg"):
        reason = _words(str(exc["msg"]).splitlines()[0], 5)
        if reason and exc.get("msg") != other_exc.get("msg"):
            found.append(f"when_{reason}")
    tags, words = _differing_args(cand, other)
    if tags:
        found.append(f"with_{tags}")
    if words:
        found.append(f"with_{words}")
    if cand.receiver is not None and (
        other is None or other.receiver is None or other.receiver.src != cand.receiver.src
    ):
        tag = cand.receiver.tag or ""
        found.append(f"on_{tag}" if tag else f"on_{_words(cand.receiver.src, 4)}")
        found.append(f"on_{_words(cand.receiver.src, 6)}")
    if cand.prior and (other is None or cand.prior != other.prior):
        found.append("after_" + "_".join(_words(render_args(args), 2) for _, args in cand.prior))
    if other is None:
        return [d for d in found if _slug(d)]
    mine = {tuple(a) for a in result.get("arcs", [])}
    theirs = {tuple(a) for a in other.result.get("arcs", [])}
    # The branch only this test reaches, by the first line it enters (exits are negative).
    lines = sorted(dst for _, dst in mine - theirs if dst > 0)
    if lines:
        found.append(f"reaching_line_{lines[0]}")
    return [d for d in found if _slug(d)]


class NameRegistry:
    """Hands out unique names that say what sets a test apart, never a counter.

    The first test of a behaviour gets the plain name; a later one with the same
    name gets the exception's reason, the arguments that differ, the receiver or the
    branch only it reaches spliced in before its outcome.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        #: Names already in use; ``taken`` ones belong to the suite kept so far.
        self.used: dict[str, Candidate | None] = dict.fromkeys(taken)

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
            details = _details(cand, holder, result or cand.result)
            tried: list[str] = []
            for detail in details:
                tried.append(detail)
                for text in (detail, "_".join(tried)):
                    candidate = make_test_name(cand, outcome, text)
                    if candidate not in self.used:
                        self.used[candidate] = cand
                        return candidate
        # Nothing tells the two apart in words (the same call on different objects the
        # name cannot show): a letter, never a number, keeps the name from reading as a
        # counter; this is the rare last resort.
        for letter in "bcdefghijklmnopqrstuvwxyz":
            candidate = (
                make_test_name(cand, outcome, f"case_{letter}")
                if cand is not None and outcome
                else f"{name}_case_{letter}"
            )
            if candidate not in self.used:
                self.used[candidate] = cand
                return candidate
        raise ValueError(f"too many tests named {name}")
