"""Arguments a unit constrains by how it uses them: a crash there is the input's fault.

A TypeError inside a function is a suspected bug when the arguments fit its
signature. Some arguments carry a contract the hint cannot say: a ``str``
used as ``fmt % value`` or ``fmt.format(...)`` is a format string (``"a"``
fits ``str`` but not that use), and an argument handed straight to a
builtin conversion (``int(x)``, ``ord(ch)``, ``bytes(n)``) or whose own
builtin method is called (``sep.join(items)``, ``text.encode(enc)``) must
suit that builtin, and an argument used as an index or key (``label[pos]``,
``TABLE[region]``) must be one the container has. When the code raises exactly there, on an argument the
call chose, the input broke a documented use, not the code: no suspected bug.

Found from the function's AST alone (no imports, no execution). The offline
engine knows the failing expression's exact position (the probe reads it from
the traceback); a pytest traceback gives only the line, where a use on that
line that can raise that exception is taken.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Builtins whose argument must already be of a suitable kind and value.
_CONVERSIONS = frozenset(
    {"int", "float", "complex", "str", "bytes", "bytearray", "ord", "chr", "format", "round"}
)
#: What a format-string use raises on a string that does not fit its arguments.
_FORMAT_ERRORS = frozenset({"TypeError", "KeyError", "IndexError", "AttributeError"})
#: What a builtin raises on an argument of the wrong kind.
_BUILTIN_ERRORS = frozenset({"TypeError"})
#: What a lookup raises on an index or key its container does not have.
_LOOKUP_ERRORS = frozenset({"IndexError", "KeyError"})
#: (lineno, col_offset, end_lineno, end_col_offset) of an expression.
Span = tuple[int, int, int, int]


@dataclass(frozen=True)
class ConstrainedUse:
    """One expression that puts a contract on parameter ``param``."""

    param: str
    span: Span
    #: ``uses format as a %-format string``.
    why: str
    #: The exceptions this use raises when its argument breaks the contract.
    raises: frozenset[str]


def _span(node: ast.expr) -> Span:
    return (node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The function's body, not the bodies of functions, lambdas or classes nested in it."""
    todo: list[ast.AST] = [*func.body]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        todo.extend(ast.iter_child_nodes(node))


def param_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Parameter names in call order (positional first), ``self``/``cls`` included."""
    args = func.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def constrained_uses(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[ConstrainedUse, ...]:
    """Every expression of ``func`` that constrains one of its parameters beyond its hint."""
    names = param_names(func)
    params = set(names) - {"self", "cls"}
    # A method's own field (``self.template``) is an argument too: its constructor
    # call chose it. Named ``self.<field>``; the caller says which fields it gave.
    receiver = names[0] if names and names[0] == "self" else None
    found: list[ConstrainedUse] = []

    def named(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id if node.id in params else None
        if (
            receiver is not None
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == receiver
        ):
            return f"self.{node.attr}"
        return None

    for node in _own_nodes(func):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            param = named(node.left)
            if param is not None:
                why = f"uses {param} as a %-format string"
                found.append(ConstrainedUse(param, _span(node), why, _FORMAT_ERRORS))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            param = named(node.func.value)
            if param is None:
                continue
            if node.func.attr in ("format", "format_map"):
                why = f"uses {param} as a format string ({param}.{node.func.attr})"
                found.append(ConstrainedUse(param, _span(node), why, _FORMAT_ERRORS))
            else:
                # A builtin method (the last frame is in the target, so the method ran
                # no Python code of its own) refused what it was given.
                why = f"calls {param}.{node.func.attr}(), which refused it"
                found.append(ConstrainedUse(param, _span(node), why, _BUILTIN_ERRORS))
        elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            # ``label[pos]``, ``TAX[region]``: the index or key is the call's choice and
            # must be one the container has (``items[0]`` on an empty list is not this).
            chosen = {named(sub) for sub in ast.walk(node.slice) if isinstance(sub, ast.expr)}
            for param in sorted(p for p in chosen if p is not None):
                why = f"uses {param} as an index or key of {ast.unparse(node.value)[:40]}"
                found.append(ConstrainedUse(param, _span(node), why, _LOOKUP_ERRORS))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _CONVERSIONS
        ):
            for arg in (*node.args, *(k.value for k in node.keywords)):
                param = named(arg)
                if param is not None:
                    why = f"passes {param} to {node.func.id}(), which refused it"
                    found.append(ConstrainedUse(param, _span(node), why, _BUILTIN_ERRORS))
    return tuple(sorted(found, key=lambda use: (use.span, use.param)))


def use_at(
    uses: Iterable[ConstrainedUse],
    exception: str,
    line: int,
    span: Span | None = None,
    given: Iterable[str] | None = None,
) -> ConstrainedUse | None:
    """The constrained use that raised ``exception`` there, on an argument the call gave.

    ``span`` is the failing expression's exact position when known; else any use on
    ``line``. ``given`` names the parameters the call passed (None: not known, any).
    """
    chosen = None if given is None else set(given)
    for use in uses:
        if exception not in use.raises or (chosen is not None and use.param not in chosen):
            continue
        if span is not None and use.span == span:
            return use
        if span is None and use.span[0] <= line <= use.span[2]:
            return use
    return None


def called_name(call: ast.Call) -> str | None:
    """The name a call calls: ``f`` for ``f(...)``, ``show`` for ``money.show(...)``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def given_params(func: ast.FunctionDef | ast.AsyncFunctionDef, call_source: str) -> set[str] | None:
    """Parameters of ``func`` that ``call_source`` (``f(1, fmt='a')``) passes; None if unknown."""
    try:
        call = ast.parse(call_source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if (
        not isinstance(call, ast.Call)
        or any(isinstance(a, ast.Starred) for a in call.args)
        or any(k.arg is None for k in call.keywords)
    ):
        return None
    args = func.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    is_method = bool(positional) and positional[0] in ("self", "cls")
    if is_method and isinstance(call.func, ast.Attribute):
        positional = positional[1:]  # obj.method(...) / Cls.method(...): bound first argument
    given = set(positional[: len(call.args)])
    if len(call.args) > len(positional) and args.vararg:
        given.add(args.vararg.arg)
    given.update(k.arg for k in call.keywords if k.arg is not None)
    return given
