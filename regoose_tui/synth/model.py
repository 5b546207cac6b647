"""The engine's working data: what can be called, and candidate calls.

A ``Callee`` is one thing a test can exercise (a function, a constructor, a
method, a property, a dunder reached through an operator). A ``Candidate``
is one concrete call of it; its ``setup``/``call`` source is what the probe
harness executes and, verbatim, what the rendered test contains, so a test
asserts exactly what was observed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.synth.analysis import FunctionInfo
from regoose_tui.synth.values import Val

Args = tuple[tuple[str | None, Val], ...]

#: Dunder methods reached through syntax, as (template, is_statement, arity).
DUNDER_TEMPLATES: dict[str, tuple[str, bool, int]] = {
    "__call__": ("{obj}({args})", False, -1),
    "__len__": ("len({obj})", False, 0),
    "__iter__": ("list({obj})", False, 0),
    "__contains__": ("{a0} in {obj}", False, 1),
    "__getitem__": ("{obj}[{a0}]", False, 1),
    "__setitem__": ("{obj}[{a0}] = {a1}", True, 2),
    "__delitem__": ("del {obj}[{a0}]", True, 1),
    "__eq__": ("{obj} == {a0}", False, 1),
    "__ne__": ("{obj} != {a0}", False, 1),
    "__lt__": ("{obj} < {a0}", False, 1),
    "__le__": ("{obj} <= {a0}", False, 1),
    "__gt__": ("{obj} > {a0}", False, 1),
    "__ge__": ("{obj} >= {a0}", False, 1),
    "__add__": ("{obj} + {a0}", False, 1),
    "__sub__": ("{obj} - {a0}", False, 1),
    "__mul__": ("{obj} * {a0}", False, 1),
    "__truediv__": ("{obj} / {a0}", False, 1),
    "__or__": ("{obj} | {a0}", False, 1),
    "__and__": ("{obj} & {a0}", False, 1),
    "__str__": ("str({obj})", False, 0),
    "__repr__": ("repr({obj})", False, 0),
    "__bool__": ("bool({obj})", False, 0),
    "__hash__": ("hash({obj}) == hash({obj})", False, 0),
    "__enter__": ("with {obj}:\n    pass", True, 0),
    "__getattr__": ("getattr({obj}, {a0})", False, 1),
    "__setattr__": ("setattr({obj}, {a0}, {a1})", True, 2),
}


@dataclass(frozen=True)
class Param:
    """One parameter as the probe's ``inspect.signature`` saw it."""

    name: str
    kind: str  # POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, VAR_POSITIONAL, KEYWORD_ONLY, VAR_KEYWORD
    has_default: bool
    type: dict[str, Any]
    default: str | None = None

    @property
    def required(self) -> bool:
        """True for parameters a call must pass."""
        return not self.has_default and self.kind not in ("VAR_POSITIONAL", "VAR_KEYWORD")


@dataclass
class Callee:
    """One callable unit a test can exercise."""

    key: str  # "is_email", "Timer", "Timer.stop"
    kind: str  # function, ctor, method, static, class, property, dunder
    symbol: str  # the function's or the class's name in the test namespace
    name: str  # function or method name
    params: list[Param]
    owner: str | None = None  # class symbol for methods
    is_async: bool = False
    is_generator: bool = False
    info: FunctionInfo | None = None
    lineno: int = 0
    defined_in: str | None = None  # the class whose code runs (inherited methods share it)

    @property
    def behaviour_key(self) -> str:
        """Callees running the same code share behaviours (``Field.validate`` via subclasses)."""
        if self.defined_in and self.kind not in ("ctor",):
            return f"{self.defined_in}.{self.name}"
        return self.key

    @property
    def needs_receiver(self) -> bool:
        """True when calls need an instance first."""
        return self.kind in ("method", "property", "dunder")


@dataclass
class Candidate:
    """One concrete call of a callee (with its receiver and prior calls)."""

    id: int
    callee: Callee
    args: Args = ()
    receiver: Val | None = None
    prior: tuple[tuple[str, Args], ...] = ()
    var: str = "obj"
    wrap: str = ""  # "list" or "asyncio" when the call's result needs unwrapping
    origin: str = "init"
    result: dict[str, Any] = field(default_factory=dict)
    #: Clocks (``time.perf_counter``) the probe and the test replace by a fake (synth/clock.py).
    clock: tuple[str, ...] = ()

    @property
    def imports(self) -> list[str]:
        """Import lines the call needs (sorted, deduplicated)."""
        found: set[str] = set()
        for _, val in self.args:
            found |= val.imports
        if self.receiver is not None:
            found |= self.receiver.imports
        for _, args in self.prior:
            for _, val in args:
                found |= val.imports
        if self.wrap == "asyncio":
            found.add("import asyncio")
        return sorted(found)

    @property
    def setup(self) -> list[str]:
        """Statements that run before the call (object construction, prior calls)."""
        if not self.callee.needs_receiver or self.receiver is None:
            return []
        lines = [f"{self.var} = {self.receiver.src}"]
        lines.extend(f"{self.var}.{name}({render_args(args)})" for name, args in self.prior)
        return lines

    @property
    def is_statement(self) -> bool:
        """True when the call is a statement (``with``, item assignment)."""
        if self.callee.kind != "dunder":
            return False
        return DUNDER_TEMPLATES[self.callee.name][1]

    @property
    def call(self) -> str:
        """The expression (or statement) under test."""
        callee = self.callee
        args = render_args(self.args)
        if callee.kind == "function":
            expr = f"{callee.symbol}({args})"
        elif callee.kind == "ctor":
            expr = f"{callee.symbol}({args})"
        elif callee.kind in ("static", "class"):
            expr = f"{callee.owner}.{callee.name}({args})"
        elif callee.kind == "property":
            expr = f"{self.var}.{callee.name}"
        elif callee.kind == "dunder":
            template = DUNDER_TEMPLATES[callee.name][0]
            values = [v.src for _, v in self.args]
            expr = template.format(
                obj=self.var, args=args, a0=values[0] if values else "", a1=_at(values, 1)
            )
        else:
            expr = f"{self.var}.{callee.name}({args})"
        if self.wrap == "list":
            return f"list({expr})"
        if self.wrap == "asyncio":
            return f"asyncio.run({expr})"
        return expr

    def probe_spec(self) -> dict[str, Any]:
        """The JSON the probe harness executes."""
        return {
            "id": self.id,
            "imports": self.imports,
            "setup": self.setup,
            "call": self.call,
            "stmt": self.is_statement,
            "observe": [self.var] if self.callee.needs_receiver else [],
            "group": self.callee.key,
            "clock": list(self.clock),
        }

    def signature(self) -> str:
        """A key that identifies the same call (to skip duplicates)."""
        return "\n".join([*self.imports, *self.setup, self.call])


def _at(values: list[str], index: int) -> str:
    return values[index] if len(values) > index else ""


def param_at(params: Sequence[Param], index: int, keyword: str | None) -> Param | None:
    """The parameter the argument at ``index`` (passed as ``keyword``) binds to, or None.

    By name for a keyword; by place among the positional parameters otherwise,
    then the ``*args`` parameter when ``params`` has one. This is the one binding
    rule the generator, the explorer and the suspect checks share.
    """
    if keyword:
        return next((p for p in params if p.name == keyword), None)
    positional = [p for p in params if p.kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]
    if index < len(positional):
        return positional[index]
    return next((p for p in params if p.kind == "VAR_POSITIONAL"), None)


def render_args(args: Args) -> str:
    """``1, 'a', flag=True`` from (keyword, Val) pairs."""
    parts = []
    for keyword, val in args:
        parts.append(f"{keyword}={val.src}" if keyword else val.src)
    return ", ".join(parts)


@functools.lru_cache(maxsize=4096)
def snake(name: str) -> str:
    """``HTTPServerError`` -> ``http_server_error``."""
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.strip("_"))
    text = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", text)
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "value"
