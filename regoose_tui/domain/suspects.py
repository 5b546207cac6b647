"""Suspected bugs: a failure that looks like the code's fault is locked in, not "fixed".

When a test fails because the code under test raised a TypeError,
AttributeError, ZeroDivisionError, IndexError or KeyError from INSIDE itself
(the traceback's last frame is in the target, on a line that is not an
explicit ``raise`` — a guard clause is documented behaviour — and not a use
of an argument the test chose that refused it, like a format string that does
not fit: domain/arg_constraints.py), Regoose does
not rewrite the test into agreement with the crash
(``pytest.raises(ZeroDivisionError)``). It keeps the test's expectation and
marks it ``@pytest.mark.xfail(strict=True, raises=..., reason="suspected
bug: ...")``: the suite stays green, and the day the bug is fixed the strict
xfail turns red and asks for the marker to go. The offline engine makes the
same call from its probes (synth/suspects.py); tests a model marked strict
xfail itself are listed alike.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.domain.arg_constraints import (
    called_name,
    constrained_uses,
    given_params,
    use_at,
)
from regoose_tui.domain.defs import innermost_def
from regoose_tui.domain.feedback import FailedTest

#: Exceptions that, raised from inside the code on valid input, mean the code is wrong.
SUSPECT_TYPES = frozenset(
    {"TypeError", "AttributeError", "ZeroDivisionError", "IndexError", "KeyError"}
)
#: The reason every suspected-bug marker starts with (reports find them by it).
REASON_PREFIX = "suspected bug"

#: pytest's long traceback ends each frame with ``path:line: ExceptionName``.
_FRAME_END = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+): (?P<exc>[A-Za-z_][\w.]*)\s*$", re.M)


@dataclass(frozen=True)
class SuspectedBug:
    """One test kept as a strict xfail because the code, not the test, looks wrong."""

    test: str
    #: The call that shows it (``mean([])``).
    input: str
    #: What the code did (``raises ZeroDivisionError: division by zero``).
    observed: str
    #: Why that looks wrong (``ZeroDivisionError inside mean (line 4), not a guard``).
    why: str
    #: The exception's class name, when the bug is a crash (the marker's ``raises=``).
    exception: str = ""

    def as_json(self) -> dict[str, str]:
        return {"test": self.test, "input": self.input, "observed": self.observed, "why": self.why}


@dataclass(frozen=True)
class RaisedAt:
    """Where a failing test's exception came from."""

    path: str
    line: int
    exception: str


def raised_at(traceback: str) -> RaisedAt | None:
    """The last frame of a pytest traceback: the file, line and exception raised there."""
    found = list(_FRAME_END.finditer(traceback))
    if not found:
        return None
    last = found[-1]
    return RaisedAt(last["path"], int(last["line"]), last["exc"].rsplit(".", 1)[-1])


def _same_file(shown: str, target: Path) -> bool:
    """Whether a traceback path names the target (absolute, or relative from the sandbox)."""
    if shown == str(target):
        return True
    parts = Path(shown).parts
    tail = [p for p in parts if p not in ("..", ".")]
    return bool(tail) and target.parts[-len(tail) :] == tuple(tail)


def is_raise_line(source: str, lineno: int) -> bool:
    """Whether line ``lineno`` of ``source`` is (part of) an explicit ``raise`` statement."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Raise) and node.lineno <= lineno <= (node.end_lineno or node.lineno)
        for node in ast.walk(tree)
    )


def enclosing_function(source: str, lineno: int) -> str | None:
    """The innermost function (``Class.method`` for methods) holding line ``lineno``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = innermost_def(tree, lineno)
    return found.qualname if found else None


def suspect_failure(
    failure: FailedTest, target: Path, target_source: str, test_source: str
) -> SuspectedBug | None:
    """A suspected bug when ``failure`` is a crash inside the target, else None."""
    where = raised_at(failure.traceback)
    if where is None or where.exception not in SUSPECT_TYPES:
        return None
    if not _same_file(where.path, target) or is_raise_line(target_source, where.line):
        return None
    call = call_in_test(test_source, failure.name)
    if argument_broke_its_use(target_source, where, call):
        return None  # the test's own argument did not suit how the code uses it
    function = enclosing_function(target_source, where.line) or target.stem
    message = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
    observed = f"raises {message}" if message else f"raises {where.exception}"
    why = (
        f"{where.exception} inside {function} (line {where.line}), "
        "not an explicit raise: the code looks wrong, not the test"
    )
    return SuspectedBug(failure.name, call, observed, why, where.exception)


def argument_broke_its_use(target_source: str, where: RaisedAt, call: str) -> bool:
    """Whether the crash is a use of an argument the test's ``call`` passed refusing it.

    ``fmt % value`` raising TypeError when the test called ``f(fmt="a")``: the test
    chose a format string that does not fit, the code is not wrong. Only when the
    test calls the very function that raised (its arguments are known), by line
    (a pytest traceback gives no column): see domain/arg_constraints.py.
    """
    try:
        tree = ast.parse(target_source)
        called = ast.parse(call.strip(), mode="eval").body if call.strip() else None
    except SyntaxError:
        return False
    found = innermost_def(tree, where.line)
    if found is None or not isinstance(called, ast.Call) or called_name(called) != found.node.name:
        return False
    given = given_params(found.node, call)
    if given is None:
        return False
    return (
        use_at(constrained_uses(found.node), where.exception, where.line, given=given) is not None
    )


def _find_test(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    cls_name, _, fn_name = name.rpartition("::")
    body: list[ast.stmt] = tree.body
    if cls_name:
        cls = next(
            (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name), None
        )
        body = cls.body if cls else []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == fn_name:
            return node
    return None


def source_of_test(module_source: str, name: str) -> str:
    """The source of test ``name`` (``test_x`` or ``TestY::test_x``) in a module, or ""."""
    try:
        tree = ast.parse(module_source)
    except SyntaxError:
        return ""
    node = _find_test(tree, name.split("[", 1)[0])
    if node is None:
        return ""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = module_source.splitlines()
    return "\n".join(lines[first - 1 : node.end_lineno or node.lineno])


def call_in_test(test_source: str, name: str) -> str:
    """The last call of the target a test makes (its source), the input that shows a bug."""
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return ""
    node = _find_test(tree, name.split("[", 1)[0])
    if node is None:
        return ""
    calls = [
        n
        for stmt in node.body
        for n in ast.walk(stmt)
        if isinstance(n, ast.Call) and not _is_pytest_call(n)
    ]
    if not calls:
        return ""
    # The leftmost outermost call of the last line that calls anything: in
    # ``assert mean([]) == 0`` (or ``result = cart.total()``) the call under test.
    last_line = max(c.lineno for c in calls)
    on_line = [c for c in calls if c.lineno == last_line]
    outer = [c for c in on_line if not any(_inside(c, o) for o in on_line if o is not c)]
    chosen = min(outer, key=lambda c: c.col_offset)
    return ast.get_source_segment(test_source, chosen) or ""


def _inside(inner: ast.expr, outer: ast.expr) -> bool:
    return (
        outer.col_offset <= inner.col_offset
        and (inner.end_col_offset or 0) <= (outer.end_col_offset or 0)
        and outer.lineno <= inner.lineno
    )


def _is_pytest_call(call: ast.Call) -> bool:
    """pytest helpers and builtins (``len``, ``list``) are not the call under test."""
    text = ast.unparse(call.func)
    return text.startswith("pytest.") or text in _builtin_names()


def _xfail_marker(node: ast.expr) -> tuple[bool, str] | None:
    """(strict, reason) when ``node`` is a ``pytest.mark.xfail(...)`` decorator."""
    call = node if isinstance(node, ast.Call) else None
    func = call.func if call else node
    if ast.unparse(func) not in ("pytest.mark.xfail", "mark.xfail"):
        return None
    strict, reason = False, ""
    for keyword in call.keywords if call else []:
        if keyword.arg == "strict" and isinstance(keyword.value, ast.Constant):
            strict = keyword.value.value is True
        if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant):
            reason = str(keyword.value.value)
    return strict, reason


def strict_xfail_tests(source: str) -> dict[str, str]:
    """Tests marked ``xfail(strict=True)`` in a module: name (``Class::test`` too) -> reason."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, str] = {}

    def check(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> None:
        for decorator in node.decorator_list:
            marker = _xfail_marker(decorator)
            if marker is not None and marker[0]:
                found[name] = marker[1]

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            check(node, node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    check(item, f"{node.name}::{item.name}")
    return found


def xfail_decorator(reason: str, raises: str | None = None) -> str:
    """``@pytest.mark.xfail(strict=True, raises=X, reason="...")`` (one line)."""
    raises_part = f", raises={raises}" if raises else ""
    return f"@pytest.mark.xfail(strict=True{raises_part}, reason={reason!r})"


def mark_xfail(source: str, name: str, reason: str, raises: str | None = None) -> str:
    """``source`` with test ``name`` marked strict xfail (``import pytest`` added if missing)."""
    tree = ast.parse(source)
    node = _find_test(tree, name.split("[", 1)[0])
    if node is None:
        return source
    lines = source.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    if raises is not None and raises not in _builtin_names():
        raises = None  # a name the test module may not import: any exception of the call
    lines.insert(first, f"{indent}{xfail_decorator(reason, raises)}\n")
    marked = "".join(lines)
    if not re.search(r"^import pytest\b", marked, re.M):
        marked = _add_import(marked, "import pytest")
    return marked


def _builtin_names() -> set[str]:
    import builtins

    return set(dir(builtins))


def _add_import(source: str, line: str) -> str:
    """``line`` added before the module's first import (after a docstring, __future__)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    at = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            at = node.end_lineno or node.lineno
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and at == 0:
            at = node.end_lineno or node.lineno
            continue
        break
    lines.insert(at, line + "\n")
    return "".join(lines)
