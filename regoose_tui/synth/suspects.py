"""The offline engine's suspected bugs: observed behaviour that contradicts the code's own word.

A probe result is a suspected bug, not a behaviour to lock in, when:

- the call raised a TypeError, AttributeError, ZeroDivisionError,
  IndexError or KeyError from INSIDE the target (the probe's last frame was
  in the target, on a line that is no ``raise``/``assert``: a guard clause is
  documented behaviour and stays a ``pytest.raises`` test), on arguments
  that fit the parameters' type hints (or their defaults; ``Any`` fits nothing
  in particular). Dunders are left out: ``obj[k]`` raising KeyError/IndexError
  is their protocol, and so are private helpers (``_parse``): their callers
  choose their inputs. Nor is a
  crash where the unit's own use of an argument the call chose refused it
  (``fmt % value`` with ``fmt="a"``, ``ord(ch)`` with ``ch="ab"``): the hint
  says ``str``, the use says which strings (domain/arg_constraints.py);
- the call is a docstring example (``>>> mean([1, 2])``) and the value
  differs from the one the docstring shows;
- the value's type contradicts a plain return hint (``-> int`` returned a str).

Such a test asserts what SHOULD happen (the call succeeds, the doctest's
value, the hinted type) under ``@pytest.mark.xfail(strict=True, ...)``.

A unit whose own docstring example it contradicts has shown that what it
returns is not to be trusted: none of its other observed return values is
locked in as a passing assertion either (``distrusted``); its guard clauses
(``pytest.raises`` tests) still are.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from regoose_tui.domain.arg_constraints import use_at
from regoose_tui.domain.suspects import REASON_PREFIX, SUSPECT_TYPES, xfail_decorator
from regoose_tui.synth.model import Candidate, Param, param_at
from regoose_tui.synth.values import Val

#: Plain hint kinds (probe_describe's ``k``) and the Python types that fit them.
_FITS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "complex": (int, float, complex),
    "str": (str,),
    "bytes": (bytes, bytearray),
    "bool": (bool,),
    "list": (list, tuple),
    "tuple": (tuple,),
    "dict": (dict,),
    "set": (set, frozenset),
}
#: Return hints checked against the observed type name (anything else: not judged).
_RETURN_TYPES: dict[str, tuple[str, ...]] = {
    "int": ("int", "bool"),
    "float": ("float", "int"),
    "str": ("str",),
    "bool": ("bool",),
    "bytes": ("bytes",),
    "list": ("list",),
    "dict": ("dict",),
    "tuple": ("tuple",),
    "set": ("set",),
}


class _Judged(Protocol):
    """A rendered test as ``distrusted`` sees it: its call and its suspicion, if any."""

    @property
    def cand(self) -> Candidate: ...

    @property
    def suspect(self) -> Suspicion | None: ...


_T = TypeVar("_T", bound=_Judged)


@dataclass(frozen=True)
class Suspicion:
    """Why a probed call looks like a bug, and what the test should assert instead."""

    kind: str  # "crash" | "doctest" | "return-type"
    observed: str
    why: str
    #: The assertion the test makes instead of the observed behaviour ("" for a crash).
    expect: str = ""
    exception: str = ""

    @property
    def reason(self) -> str:
        return f"{REASON_PREFIX}: {self.why}"

    def decorator(self) -> str:
        return xfail_decorator(self.reason, self.exception or None)


def fits(obj: object, hint: dict[str, Any]) -> bool | None:
    """Whether ``obj`` fits a described type hint; None when that cannot be told."""
    kind = hint.get("k")
    if kind == "any":
        # ``Any``, ``object``, a bare TypeVar: the hint says nothing of what fits, so a
        # crash on made-up input is no evidence (rstr's ``_handle_state(state: Any)``
        # unpacking an int).
        return None
    if kind == "union":
        verdicts = [fits(obj, arg) for arg in hint.get("args", [])]
        if any(v is True for v in verdicts):
            return True
        return None if any(v is None for v in verdicts) else False
    types = _FITS.get(str(kind))
    if types is None:
        return None
    if not isinstance(obj, types) or (kind in ("int", "float") and isinstance(obj, bool)):
        return False
    args = hint.get("args") or []
    if kind in ("list", "set") and args and isinstance(obj, list | tuple | set | frozenset):
        inner = [fits(item, args[0]) for item in obj]
        if any(v is False for v in inner):
            return False
        if any(v is None for v in inner):
            return None
    return True


def _bound(cand: Candidate) -> tuple[list[Param], list[tuple[Param | None, Val]]]:
    """The callee's parameters (no ``self``) and each argument with the one it binds to."""
    params = [p for p in cand.callee.params if p.kind not in ("VAR_POSITIONAL", "VAR_KEYWORD")]
    if cand.callee.kind in ("method", "property") and params and params[0].name in ("self", "cls"):
        params = params[1:]
    # ``params`` has no *args: a positional argument past its parameters binds to none.
    bound = [
        (param_at(params, index, keyword), val) for index, (keyword, val) in enumerate(cand.args)
    ]
    return params, bound


def inputs_fit(cand: Candidate) -> bool:
    """True when every argument is a literal that fits its parameter's hint.

    For a method, its object must have been built the same way (a constructor
    call whose arguments fit) and not changed by earlier calls: a crash on an
    object made from bad input is the input's fault, not the method's.
    """
    if cand.callee.needs_receiver:
        recipe = cand.receiver.recipe if cand.receiver is not None else None
        if cand.prior or not isinstance(recipe, Candidate) or not inputs_fit(recipe):
            return False
    params, bound = _bound(cand)
    given: set[str] = set()
    for param, val in bound:
        if param is None or not val.is_literal or fits(val.obj, param.type) is not True:
            return False
        given.add(param.name)
    # A required parameter left out would fail at the call, not inside: not our case.
    return all(p.name in given or not p.required for p in params)


def constrained_crash(cand: Candidate, exc: dict[str, Any]) -> str | None:
    """Why a crash is the input's fault: it broke a use the unit makes of an argument.

    ``exc`` is the probe's: the line and, when the interpreter tells, the exact
    position of the expression that raised (domain/arg_constraints.py).
    """
    info = cand.callee.info
    line = exc.get("line")
    if info is None or not isinstance(line, int) or not info.lineno <= line <= info.end_lineno:
        return None
    pos = exc.get("pos")
    span = (pos[0], pos[2], pos[1], pos[3]) if isinstance(pos, list) and len(pos) == 4 else None
    given = {param.name for param, _val in _bound(cand)[1] if param is not None}
    recipe = cand.receiver.recipe if cand.receiver is not None else None
    if isinstance(recipe, Candidate):
        # Fields the object was built with (a dataclass field, ``self.x = x``).
        given |= {f"self.{param.name}" for param, _val in _bound(recipe)[1] if param is not None}
    use = use_at(info.constrained, str(exc.get("name", "")), line, span, given)
    return use.why if use is not None else None


def _crash(cand: Candidate, result: dict[str, Any]) -> Suspicion | None:
    exc = result.get("exc") or {}
    name = str(exc.get("name", ""))
    if result.get("outcome") != "raise" or name not in SUSPECT_TYPES:
        return None
    # The check runs are untraced: where it was raised is known from exploration.
    explored = cand.result.get("exc") or {}
    inside = exc.get("crash_in_target") or (
        explored.get("crash_in_target") and explored.get("name") == name
    )
    if not inside or cand.callee.kind == "dunder":
        return None
    if _private(cand.callee.key):
        # A private helper's inputs are its callers' to choose: the public API is judged.
        return None
    if not inputs_fit(cand):
        return None
    where_exc = exc if exc.get("line") else explored
    if constrained_crash(cand, {**where_exc, "name": name}) is not None:
        return None  # e.g. a format string the probe made up that does not fit its values
    message = str(exc.get("msg") or "").splitlines()[0][:120] if exc.get("msg") else ""
    observed = f"raises {name}" + (f": {message}" if message else "")
    where = cand.callee.key
    why = (
        f"{name} inside {where} (line {exc.get('line')}) on arguments its hints allow; "
        "no raise there, so not a documented error"
    )
    return Suspicion("crash", observed, why, exception=name)


def _private(key: str) -> bool:
    """``_helper`` or ``Class._method`` (not a dunder): a unit the module keeps to itself."""
    name = key.rsplit(".", 1)[-1]
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _same_call(a: str, b: str) -> bool:
    form = _call_form(a)
    return form is not None and form == _call_form(b)


@functools.lru_cache(maxsize=4096)
def _call_form(text: str) -> str | None:
    """A call's syntax tree as text (spacing and quotes left out); None if not an expression.

    Cached: every probed call is held against each doctest of its callee, and one
    doctest against every probed call.
    """
    try:
        return ast.dump(ast.parse(text.strip(), mode="eval"))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _same_value(observed: str, want: str) -> bool:
    try:
        return bool(ast.literal_eval(observed) == ast.literal_eval(want))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return observed.strip() == want.strip()


def _doctest(cand: Candidate, result: dict[str, Any]) -> Suspicion | None:
    info = cand.callee.info
    if info is None or result.get("outcome") != "return" or cand.setup:
        return None
    literal = (result.get("value") or {}).get("lit")
    for example in info.doctests:
        want = example.want.strip()
        if not want or "\n" in want or not _same_call(example.source, cand.call):
            continue
        if literal is None or _same_value(str(literal), want):
            return None
        return Suspicion(
            "doctest",
            f"returns {literal}",
            f"the docstring example says {example.source.strip()} gives {want}",
            expect=f"assert {cand.call} == {want}",
        )
    return None


def _return_type(cand: Candidate, result: dict[str, Any]) -> Suspicion | None:
    info = cand.callee.info
    if info is None or not info.returns or result.get("outcome") != "return":
        return None
    hint = info.returns.split("[", 1)[0].strip()
    allowed = _RETURN_TYPES.get(hint)
    observed = str((result.get("value") or {}).get("type", ""))
    if allowed is None or not observed or observed in allowed or not inputs_fit(cand):
        return None
    return Suspicion(
        "return-type",
        f"returns a {observed}",
        f"{cand.callee.key} is hinted -> {info.returns} but returned a {observed}",
        expect=f"assert isinstance({cand.call}, {hint})",
    )


def suspicion(cand: Candidate, result: dict[str, Any]) -> Suspicion | None:
    """Why this probed call looks like a bug (None: lock in what was observed)."""
    return _crash(cand, result) or _doctest(cand, result) or _return_type(cand, result)


def distrusted(tests: Sequence[_T]) -> tuple[list[_T], dict[str, int]]:
    """``tests`` without the observed return values of units a docstring example contradicts.

    Returns the tests kept and, per distrusted unit, how many value tests were left out.
    """
    suspect_units = {
        t.cand.callee.behaviour_key
        for t in tests
        if t.suspect is not None and t.suspect.kind == "doctest"
    }
    kept: list[_T] = []
    left_out: dict[str, int] = {}
    for test in tests:
        unit = test.cand.callee.behaviour_key
        if (
            unit in suspect_units
            and test.suspect is None
            and (test.cand.result or {}).get("outcome") == "return"
        ):
            left_out[unit] = left_out.get(unit, 0) + 1
            continue
        kept.append(test)
    return kept, left_out


def suspect_witnesses(
    candidates: Iterable[Candidate], chosen: Sequence[Candidate]
) -> list[Candidate]:
    """One probed call per callee and kind of suspicion (crash, doctest, return type).

    The cover counts a crash as "raised elsewhere" and seldom picks it, and next
    to the project's own tests it picks no call of code they already run; yet a
    suspected bug is the most useful thing the probes found, and its strict xfail
    locks nothing in. The simplest witness (shortest call) of each joins the chosen.
    """
    taken = {c.id for c in chosen}
    best: dict[tuple[str, str], Candidate] = {}
    for cand in candidates:
        if cand.id in taken or not cand.result:
            continue
        found = suspicion(cand, cand.result)
        if found is None:
            continue
        key = (cand.callee.behaviour_key, found.kind)
        held = best.get(key)
        if held is None or (len(cand.call), cand.id) < (len(held.call), held.id):
            best[key] = cand
    return sorted(best.values(), key=lambda c: c.id)
