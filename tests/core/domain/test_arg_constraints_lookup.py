"""An index or key the call chose that its container lacks is the input's fault, not a bug."""

from __future__ import annotations

import ast

from regoose_tui.domain.arg_constraints import constrained_uses, use_at

UNITS = """TAX = {"EU": 0.2}


def context(label: str, pos: int) -> int:
    return ord(label[pos - 1]) if pos else ord(label[pos])


def tax_for(amount: float, region: str) -> float:
    return amount * TAX[region]


def first(items: list[int]) -> int:
    return items[0]


def tail(items: list[int], start: int) -> list[int]:
    return items[start:]
"""


def _uses(name: str) -> list[tuple[str, str, int]]:
    tree = ast.parse(UNITS)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return [(u.param, u.why, u.span[0]) for u in constrained_uses(func) if "index" in u.why]


def test_an_index_or_key_parameter_constrains_its_lookup() -> None:
    assert _uses("context") == [
        ("pos", "uses pos as an index or key of label", 5),
        ("pos", "uses pos as an index or key of label", 5),
    ]
    assert _uses("tax_for") == [("region", "uses region as an index or key of TAX", 9)]
    # A constant index (``items[0]`` on an empty list) and a slice stay the code's business.
    assert _uses("first") == []
    assert _uses("tail") == []


def test_a_lookup_error_there_is_the_inputs_fault_only_for_the_given_index() -> None:
    tree = ast.parse(UNITS)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "tax_for")
    uses = constrained_uses(func)
    assert use_at(uses, "KeyError", 9, given={"amount", "region"}) is not None
    assert use_at(uses, "KeyError", 9, given={"amount"}) is None  # region left at a default
    assert use_at(uses, "TypeError", 9, given={"amount", "region"}) is None
