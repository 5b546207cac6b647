"""Test names that say the behaviour: callee, salient arguments, outcome.

``test_is_email_foo_example_com_returns_true``,
``test_timer_stop_raises_timer_error``,
``test_register_call_with_42_returns_string``.
"""

from __future__ import annotations

import re
from typing import Any

from regoose_tui.synth.model import Args, Candidate, snake

_MAX_NAME = 90
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


def outcome_words(result: dict[str, Any], value_stable: bool, type_name: str | None) -> str:
    """``returns_true``, ``raises_value_error``, ``returns_list``, ``works``."""
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
        return f"returns_{literal.replace('-', 'negative_')}"
    if literal is not None and kind == "str" and len(literal) <= 22:
        slug = _slug(literal)
        if slug:
            return f"returns_{slug}"
    if cand_is_ctor(result):
        return f"creates_{snake(kind)}"
    return f"returns_{snake(kind)}"


def cand_is_ctor(result: dict[str, Any]) -> bool:
    """Marker set by the renderer for constructor calls."""
    return bool(result.get("_ctor"))


def make_test_name(cand: Candidate, outcome: str) -> str:
    """The full test function name (not yet deduplicated)."""
    pieces = [subject(cand)]
    if cand.prior:
        pieces.append("after_" + "_and_".join(_slug(name) for name, _ in cand.prior))
    described = describe_args(cand.args)
    if described:
        pieces.append(described)
    name = "_".join(p for p in pieces if p)
    room = _MAX_NAME - len(outcome) - 6
    if len(name) > room:
        name = name[:room].rstrip("_")
    return _slug(f"test_{name}_{outcome}")


class NameRegistry:
    """Hands out unique names: a second ``test_x`` becomes ``test_x_2``."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def unique(self, name: str) -> str:
        """``name`` or ``name_<n>`` when taken."""
        if name not in self.used:
            self.used[name] = 1
            return name
        self.used[name] += 1
        candidate = f"{name}_{self.used[name]}"
        while candidate in self.used:
            self.used[name] += 1
            candidate = f"{name}_{self.used[name]}"
        self.used[candidate] = 1
        return candidate
