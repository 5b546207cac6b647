"""Render checked observations into one readable pytest module.

Each kept candidate becomes one test: its setup and call verbatim (the code
the probe ran), then assertions on what was observed twice alike: a literal
return value (``is`` for True/False/None, ``pytest.approx`` for floats), the
type and public attributes of an object, ``pytest.raises`` with the message,
attributes of the object under test, and printed output.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.domain import suite_edit
from regoose_tui.domain.import_join import bindings
from regoose_tui.domain.imports import import_lines
from regoose_tui.synth.clock import patch_lines
from regoose_tui.synth.grouping import group, render_classes
from regoose_tui.synth.model import Candidate
from regoose_tui.synth.naming import NameRegistry, outcome_words
from regoose_tui.synth.pools import SymbolTable, ref_src
from regoose_tui.synth.suspects import Suspicion, suspicion

_MAX_ATTRS = 6
_MAX_MATCH = 80


@dataclass
class Observation:
    """What a candidate did, reduced to the parts that were the same in every run."""

    cand: Candidate
    result: dict[str, Any]
    value_stable: bool = True
    msg_stable: bool = True
    stable_attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    stable_result_attrs: dict[str, str] = field(default_factory=dict)
    stdout: str | None = None
    #: When the output differs between runs: its line count and the lines that agree.
    stdout_lines: tuple[int, dict[int, str]] | None = None
    #: Indexes of ``stdout_lines`` that are regexes (numbers varied between runs).
    stdout_patterns: set[int] = field(default_factory=set)
    len_stable: bool = True
    #: The returned object's own repr, the same in both checking runs (None: none worth it).
    stable_repr: str | None = None


@dataclass
class RenderedTest:
    """One test function: its name, source and the candidate behind it."""

    name: str
    source: str
    cand: Candidate
    imports: set[str] = field(default_factory=set)
    #: Set when the observed behaviour looks like a bug: the test is a strict xfail.
    suspect: Suspicion | None = None


def _block(code: str, indent: str = "    ") -> list[str]:
    return [indent + line if line else line for line in code.splitlines()]


#: Expressions ruff's bugbear rules call pointless as a statement (B015, B018), though
#: evaluating them is the point: inside ``pytest.raises`` the comparison is what raises.
_LOOKS_POINTLESS = (
    ast.Compare,
    ast.Attribute,
    ast.UnaryOp,
    ast.Name,
    ast.Constant,
    ast.BoolOp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
)


def _evaluated(code: str) -> str:
    """``code`` with a last expression bugbear flags bound to ``_`` (``_ = v < "x"``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or not isinstance(last.value, _LOOKS_POINTLESS):
        return code
    lines = code.splitlines()
    row, col = last.lineno - 1, last.col_offset
    lines[row] = f"{lines[row][:col]}_ = {lines[row][col:]}"
    return "\n".join(lines)


def render_test(obs: Observation, symbols: SymbolTable, names: NameRegistry) -> RenderedTest | None:
    """Source of one test function, or None when nothing checkable was observed."""
    cand, result = obs.cand, dict(obs.result)
    suspect = suspicion(cand, result)
    if suspect is not None:
        return _render_suspect(obs, suspect, names)
    imports: set[str] = set(cand.imports)
    # The fake clock first: the receiver's construction may read the time already.
    body: list[str] = [*patch_lines(cand.clock), *cand.setup]
    if cand.clock:
        imports.add("import itertools")
    outcome = result.get("outcome")
    type_name = None
    if cand.callee.kind == "ctor":
        result["_ctor"] = True
    uses_capsys = obs.stdout is not None or obs.stdout_lines is not None
    if outcome == "raise":
        exc = result.get("exc") or {}
        ref = ref_src(exc.get("ref"), symbols)
        if ref is None:
            return None
        exc_src, exc_imports = ref
        imports |= set(exc_imports) | {"import pytest"}
        msg = (exc.get("msg") or "").splitlines()[0][:_MAX_MATCH] if exc.get("msg") else ""
        if msg and obs.msg_stable:
            imports.add("import re")
            body.append(f"with pytest.raises({exc_src}, match=re.escape({msg!r})):")
        else:
            body.append(f"with pytest.raises({exc_src}):")
        body.extend(_block(_evaluated(cand.call)))
    elif outcome == "stmt":
        body.extend(_evaluated(cand.call).splitlines())
    elif outcome == "return":
        lines, extra_imports, type_name = _return_asserts(obs, symbols)
        if lines is None:
            return None
        imports |= extra_imports
        body.extend(lines)
    else:
        return None
    var = cand.var if cand.callee.needs_receiver else None
    if var and outcome in ("return", "stmt"):
        for attr, literal in list(obs.stable_attrs.get(var, {}).items())[:_MAX_ATTRS]:
            body.append(_eq(f"{var}.{attr}", literal))
    if uses_capsys and outcome in ("return", "stmt") and obs.stdout is not None:
        body.append(f"assert capsys.readouterr().out == {obs.stdout!r}")
    elif uses_capsys and outcome in ("return", "stmt") and obs.stdout_lines is not None:
        count, same = obs.stdout_lines
        body.append("printed = capsys.readouterr().out.splitlines()")
        body.append(f"assert len(printed) == {count}")
        for i, line in same.items():
            if i in obs.stdout_patterns:
                imports.add("import re")
                body.append(f"assert re.fullmatch({_raw(line)}, printed[{i}])")
            else:
                body.append(f"assert printed[{i}] == {line!r}")
    else:
        uses_capsys = False
    words = outcome_words(result, obs.value_stable, type_name)
    name = names.name_for(cand, words, result)
    params = ", ".join(
        name for name, used in (("capsys", uses_capsys), ("monkeypatch", cand.clock)) if used
    )
    source = f"def {name}({params}):\n" + "\n".join(_block("\n".join(body))) + "\n"
    try:
        ast.parse(source)
    except SyntaxError:
        return None
    return RenderedTest(name, source, cand, imports)


#: Name endings of suspected-bug tests, by kind (the test states what should happen).
_SUSPECT_WORDS = {
    "crash": "does_not_crash",
    "doctest": "matches_its_docstring",
    "return-type": "returns_its_hinted_type",
}


def _render_suspect(obs: Observation, suspect: Suspicion, names: NameRegistry) -> RenderedTest:
    """A strict-xfail test asserting the expected behaviour, not the observed one."""
    cand = obs.cand
    body = [*cand.setup, suspect.expect or _evaluated(cand.call)]
    words = _SUSPECT_WORDS[suspect.kind]
    name = names.name_for(cand, words, obs.result)
    source = f"{suspect.decorator()}\ndef {name}():\n" + "\n".join(_block("\n".join(body))) + "\n"
    return RenderedTest(name, source, cand, {*cand.imports, "import pytest"}, suspect)


def _raw(pattern: str) -> str:
    """A regex as a raw string literal when that is possible (it reads far better)."""
    if '"' in pattern or pattern.endswith("\\") or "\n" in pattern:
        return repr(pattern)
    return f'r"{pattern}"'


def _eq(expr: str, literal: str) -> str:
    if literal in ("True", "False", "None"):
        return f"assert {expr} is {literal}"
    if re.fullmatch(r"-?\d+\.\d*(e-?\d+)?", literal) or "float('inf')" in literal:
        return f"assert {expr} == pytest.approx({literal})"
    return f"assert {expr} == {literal}"


def _operand(call: str) -> str:
    """``call`` in parentheses when it is an operator expression (``a in b``, ``x == y``).

    ``assert 'a' in cart is False`` would chain the comparisons; the parentheses
    keep the assertion about the value the expression gave.
    """
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return call
    if isinstance(node, ast.Compare | ast.BinOp | ast.BoolOp | ast.UnaryOp | ast.IfExp):
        return f"({call})"
    return call


def _membership(call: str, present: bool) -> str:
    """``'a' in cart`` or ``'a' not in cart``."""
    if present:
        return call
    node = ast.parse(call, mode="eval").body
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In):
        return f"{ast.unparse(node.left)} not in {ast.unparse(node.comparators[0])}"
    return f"not ({call})"


def _return_asserts(
    obs: Observation, symbols: SymbolTable
) -> tuple[list[str] | None, set[str], str | None]:
    cand = obs.cand
    value = obs.result.get("value") or {}
    literal = value.get("lit")
    imports: set[str] = set()
    var = cand.var if cand.callee.needs_receiver else None
    printed = obs.stdout is not None or obs.stdout_lines is not None
    has_side_checks = bool(printed or (var and obs.stable_attrs.get(var)))
    call = _operand(cand.call)
    if literal in ("True", "False") and obs.value_stable and cand.callee.name == "__contains__":
        # ``in`` always gives a bool: ``assert 'a' not in cart`` says it best.
        if not has_side_checks:
            return [f"assert {_membership(cand.call, literal == 'True')}"], imports, None
    if value.get("nan") and obs.value_stable:
        imports.add("import math")
        return [f"assert math.isnan({call})"], imports, "float"
    if literal is not None and obs.value_stable:
        if literal == "None" and has_side_checks:
            return [call], imports, None
        if value.get("float") or value.get("floats"):
            imports.add("import pytest")
            check = f"pytest.approx({literal})"
            op = "=="
        elif literal in ("True", "False", "None"):
            check, op = literal, "is"
        else:
            check, op = literal, "=="
        if len(literal) > 60 or len(call) > 60 or has_side_checks:
            return [f"result = {call}", f"assert result {op} {check}"], imports, None
        return [f"assert {call} {op} {check}"], imports, None
    lines = [f"result = {call}"]
    ref = ref_src(value.get("ref"), symbols)
    type_name = value.get("type")
    if ref is not None:
        imports |= set(ref[1])
        lines.append(f"assert isinstance(result, {ref[0]})")
    elif type_name:
        lines.append(f"assert type(result).__name__ == {type_name!r}")
    else:
        return None, imports, None
    attr_lines = [_eq(f"result.{a}", lit) for a, lit in list(obs.stable_result_attrs.items())]
    lines.extend(attr_lines[:_MAX_ATTRS])
    if obs.stable_repr is not None:
        # What the object shows of itself: the fields a dataclass prints, a __repr__'s format.
        lines.append(f"assert repr(result) == {obs.stable_repr!r}")
    if any("pytest.approx" in line for line in lines):
        imports.add("import pytest")
    if value.get("len") is not None and obs.len_stable and not attr_lines:
        lines.append(f"assert len(result) == {value['len']}")
    return lines, imports, type_name


def render_module(
    module: str,
    tests: list[RenderedTest],
    symbols: SymbolTable,
    header_note: str = "",
    first_party: Sequence[str] = (),
    by_unit: bool = True,
) -> str:
    """The whole test module: header comment, imports (merged, isort order), tests in order.

    With ``by_unit`` (the default) the tests sit in one class per unit under test
    (synth/grouping.py), else at the top level. ``first_party`` as for
    ``format_source``: by default the package under test is laid out with
    third-party, as ruff sees it from outside the project root.
    """
    if by_unit and all(t.cand is not None for t in tests):
        body = render_classes(group([(t.name, t.source, t.cand) for t in tests]))
    else:  # tests made by hand, with no candidate behind them, stay at the top level
        body = "\n\n".join(t.source for t in tests)
    plain: set[str] = set()
    for test in tests:
        plain |= test.imports
    used = sorted(
        (attr, sym)
        for attr, sym in symbols.by_attr.items()
        if re.search(rf"(?<![\w.]){re.escape(sym)}\b", body)
    )
    # A value's own import may already bind a name the target exposes too (a drawn
    # ``URL(...)`` with ``from mdurl import URL`` where the target did the same import):
    # the probe names a value's class that way only when it is the target's very
    # object, so the name is imported once.
    bound = _bound_names(plain)
    used = [(attr, sym) for attr, sym in used if sym not in bound]
    # A name the target merely re-exports is imported from where it lives.
    for attr, sym in used:
        if attr in symbols.home:
            alias = attr if attr == sym else f"{attr} as {sym}"
            plain.add(f"from {symbols.home[attr]} import {alias}")
    for attr, sym in used:
        if attr not in symbols.home:
            plain.add(f"from {module} import {attr if attr == sym else f'{attr} as {sym}'}")
    lines = [f"# Generated by Regoose (offline provider) for {module}"]
    if header_note:
        lines.extend(f"# {line}" for line in textwrap.wrap(header_note, 86))
    lines.append("")
    lines.extend(import_block(plain, first_party))
    return "\n".join(lines).strip() + "\n\n\n" + body


def _bound_names(lines: set[str]) -> set[str]:
    """The names a set of import lines binds (``import a.b`` binds ``a``)."""
    try:
        tree = ast.parse("\n".join(sorted(lines)))
    except SyntaxError:  # never for lines the generator wrote; then nothing is bound
        return set()
    return set(bindings(tree).names)


def import_block(lines: set[str], first_party: str | Sequence[str] = ()) -> list[str]:
    """Import statements merged per module and laid out as isort does (ruff's ``I`` rules).

    See regoose_tui.domain.imports; ruff re-checks this afterwards when it is installed.
    """
    packages = [first_party] if isinstance(first_party, str) else list(first_party)
    return import_lines(lines, packages)


def remove_tests(source: str, names: set[str]) -> str:
    """The module without the named tests (``test_x`` or ``TestC::test_x``)."""
    return suite_edit.remove_tests(source, names)


def list_test_names(source: str) -> list[str]:
    """The tests pytest collects from a module (``test_x``, ``TestC::test_x``)."""
    return suite_edit.list_test_names(source)
