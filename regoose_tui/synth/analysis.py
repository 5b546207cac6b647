"""Static analysis of a target module (ast only, nothing is imported).

``analyze_module`` finds what a test writer needs to know about a file:
functions, classes and methods with their signatures, annotations and
defaults, module constants, the literals each function compares against,
doctest examples, branch counts and the exceptions it raises. The offline
engine turns these into candidate inputs; the analyzer agent reports them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from regoose_tui.domain.arg_constraints import ConstrainedUse, constrained_uses
from regoose_tui.domain.nesting import too_deep
from regoose_tui.errors import TargetSyntaxError

#: Methods on a parameter that say what type it is.
_STR_METHODS = frozenset(
    "strip lstrip rstrip lower upper split startswith endswith replace format "
    "isdigit isalpha isalnum isspace isupper islower title capitalize encode join "
    "partition rpartition splitlines zfill center ljust rjust casefold".split()
)
_LIST_METHODS = frozenset("append extend insert pop sort reverse remove index count".split())
_DICT_METHODS = frozenset("items keys values get setdefault update".split())
#: Methods of a text stream: a parameter they are called on is a file-like object.
_WRITER_METHODS = frozenset("write writelines flush".split())
_READER_METHODS = frozenset("read readline readlines".split())
_BRANCH_NODES = (ast.If, ast.While, ast.For, ast.AsyncFor, ast.IfExp, ast.Try, ast.ExceptHandler)


@dataclass(frozen=True)
class ParamInfo:
    """One parameter of a function as written in the source."""

    name: str
    kind: str  # positional_only, positional, var_positional, keyword_only, var_keyword
    annotation: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Comparison:
    """A comparison with a literal: ``subject op value`` (``len(s) < 3`` has subject ``len(s)``)."""

    subject: str
    op: str
    value: object
    lineno: int
    param: str | None = None


@dataclass(frozen=True)
class RaiseInfo:
    """A ``raise`` statement: exception name and literal message when there is one."""

    exception: str
    message: str | None
    lineno: int


@dataclass(frozen=True)
class DoctestExample:
    """One ``>>>`` example from a docstring and the output it shows."""

    source: str
    want: str
    lineno: int


@dataclass
class FunctionInfo:
    """A function or method found in the module."""

    name: str
    qualname: str
    lineno: int
    end_lineno: int
    params: list[ParamInfo] = field(default_factory=list)
    returns: str | None = None
    is_async: bool = False
    is_generator: bool = False
    decorators: list[str] = field(default_factory=list)
    docstring: str | None = None
    doctests: list[DoctestExample] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    numbers: list[int | float] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    raises: list[RaiseInfo] = field(default_factory=list)
    branch_count: int = 0
    names_used: set[str] = field(default_factory=set)
    param_hints: dict[str, set[str]] = field(default_factory=dict)
    dict_keys: dict[str, list[str]] = field(default_factory=dict)
    regexes: list[str] = field(default_factory=list)
    #: Uses that constrain a parameter beyond its hint (``fmt % x``): see suspects.py.
    constrained: tuple[ConstrainedUse, ...] = ()

    @property
    def is_public(self) -> bool:
        """False for ``_private`` names (dunders count as public)."""
        return not self.name.startswith("_") or (
            self.name.startswith("__") and self.name.endswith("__")
        )


@dataclass
class ClassInfo:
    """A class found in the module."""

    name: str
    lineno: int
    end_lineno: int
    bases: list[str] = field(default_factory=list)
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    attributes: dict[str, str | None] = field(default_factory=dict)
    decorators: list[str] = field(default_factory=list)
    docstring: str | None = None
    doctests: list[DoctestExample] = field(default_factory=list)


@dataclass
class ModuleAnalysis:
    """Everything ``analyze_module`` found in one file."""

    path: str
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    constants: dict[str, object] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)
    doctests: list[DoctestExample] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    numbers: list[int | float] = field(default_factory=list)
    branch_count: int = 0
    #: Lines of ``raise`` and ``assert`` statements (errors the code raises on purpose).
    raise_lines: set[int] = field(default_factory=set)

    def all_functions(self) -> list[FunctionInfo]:
        """Top-level functions then methods, in source order."""
        found = list(self.functions.values())
        for cls in self.classes.values():
            found.extend(cls.methods.values())
        return sorted(found, key=lambda f: f.lineno)

    def function_at(self, lineno: int) -> FunctionInfo | None:
        """The innermost analysed function whose body spans ``lineno``."""
        best = None
        for fn in self.all_functions():
            if fn.lineno <= lineno <= fn.end_lineno and (best is None or fn.lineno >= best.lineno):
                best = fn
        return best


def analyze_module(source: str, path: str | Path) -> ModuleAnalysis:
    """Parse ``source`` and describe it; raises TargetSyntaxError("file:line: msg").

    A file nested past Python's recursion limit (``X = 1+1+...+1`` with tens
    of thousands of terms) is a TargetTooDeep input error, not a crash: the
    parser and every recursive walk below (``ast.unparse``, the visitors)
    can hit the limit.
    """
    try:
        return _analyze(source, path)
    except (RecursionError, MemoryError) as exc:
        raise too_deep(path, exc) from None


def _analyze(source: str, path: str | Path) -> ModuleAnalysis:
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise TargetSyntaxError(f"{path}:{exc.lineno or 0}: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise TargetSyntaxError(f"{path}:0: {exc}") from None
    result = ModuleAnalysis(path=str(path))
    result.doctests = _doctests(ast.get_docstring(tree), 1)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            result.functions[node.name] = _function(node, node.name)
        elif isinstance(node, ast.ClassDef):
            result.classes[node.name] = _class(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            _constant(node, result.constants)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            result.imports.append(ast.unparse(node))
    strings, numbers = _literals(tree)
    result.strings, result.numbers = strings, numbers
    result.branch_count = sum(_branches(n) for n in ast.walk(tree))
    result.raise_lines = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.Raise | ast.Assert)}
    return result


def _branches(node: ast.AST) -> int:
    if isinstance(node, _BRANCH_NODES):
        return 1
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.match_case):
        return 1
    return 0


def _constant(node: ast.Assign | ast.AnnAssign, into: dict[str, object]) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if node.value is None:
        return
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return
    for target in targets:
        if isinstance(target, ast.Name):
            into[target.id] = value


def _class(node: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(
        name=node.name,
        lineno=node.lineno,
        end_lineno=node.end_lineno or node.lineno,
        bases=[ast.unparse(b) for b in node.bases],
        decorators=[ast.unparse(d) for d in node.decorator_list],
        docstring=ast.get_docstring(node),
    )
    info.doctests = _doctests(info.docstring, node.lineno)
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            info.methods[item.name] = _function(item, f"{node.name}.{item.name}")
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            info.attributes[item.target.id] = ast.unparse(item.value) if item.value else None
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name):
                    info.attributes[target.id] = ast.unparse(item.value)
    return info


def _params(args: ast.arguments) -> list[ParamInfo]:
    def ann(a: ast.arg) -> str | None:
        return ast.unparse(a.annotation) if a.annotation is not None else None

    out: list[ParamInfo] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = "positional_only" if index < len(args.posonlyargs) else "positional"
        out.append(ParamInfo(arg.arg, kind, ann(arg), ast.unparse(default) if default else None))
    if args.vararg:
        out.append(ParamInfo(args.vararg.arg, "var_positional", ann(args.vararg)))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default_src = ast.unparse(kw_default) if kw_default is not None else None
        out.append(ParamInfo(arg.arg, "keyword_only", ann(arg), default_src))
    if args.kwarg:
        out.append(ParamInfo(args.kwarg.arg, "var_keyword", ann(args.kwarg)))
    return out


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str) -> FunctionInfo:
    info = FunctionInfo(
        name=node.name,
        qualname=qualname,
        lineno=node.lineno,
        end_lineno=node.end_lineno or node.lineno,
        params=_params(node.args),
        returns=ast.unparse(node.returns) if node.returns else None,
        is_async=isinstance(node, ast.AsyncFunctionDef),
        decorators=[ast.unparse(d) for d in node.decorator_list],
        docstring=ast.get_docstring(node),
    )
    info.doctests = _doctests(info.docstring, node.lineno)
    params = {p.name for p in info.params}
    _BodyVisitor(info, params).visit_body(node)
    info.strings, info.numbers = _literals(node)
    info.constrained = constrained_uses(node)
    # Values written in the examples are inputs the author thought worth showing.
    for example in info.doctests:
        try:
            strings, numbers = _literals(ast.parse(example.source))
        except SyntaxError:
            continue
        info.strings.extend(s for s in strings if s not in info.strings)
        info.numbers.extend(n for n in numbers if n not in info.numbers)
    return info


def _literals(node: ast.AST) -> tuple[list[str], list[int | float]]:
    strings: dict[str, None] = {}
    numbers: dict[int | float, None] = {}
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(node)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Constant) or id(sub) in docstrings:
            continue
        value = sub.value
        if isinstance(value, str) and len(value) <= 200:
            strings[value] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers[value] = None
    return list(strings)[:60], list(numbers)[:40]


class _BodyVisitor(ast.NodeVisitor):
    """Collects comparisons, raises, names, hints and branch counts of one function."""

    def __init__(self, info: FunctionInfo, params: set[str]) -> None:
        self.info = info
        self.params = params
        #: Loop variables bound by iterating a parameter (``for k in o``) -> that parameter.
        self.keys_of: dict[str, str] = {}

    def visit_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for stmt in node.body:
            self.visit(stmt)

    def generic_visit(self, node: ast.AST) -> None:
        self.info.branch_count += _branches(node)
        if isinstance(node, ast.Yield | ast.YieldFrom):
            self.info.is_generator = True
        super().generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        # Nested functions count toward the enclosing one (closures run with it).
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and node.id not in self.params:
            self.info.names_used.add(node.id)

    def _param_of(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name) and expr.id in self.params:
            return expr.id
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "len"
            and expr.args
        ):
            inner = self._param_of(expr.args[0])
            if inner:
                self._hint(inner, "sized")
            return inner
        if isinstance(expr, ast.Attribute | ast.Subscript):
            return self._param_of(expr.value)
        return None

    def _hint(self, param: str, hint: str) -> None:
        self.info.param_hints.setdefault(param, set()).add(hint)

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            for subject, other in ((left, right), (right, left)):
                value = _literal_value(other)
                if value is _NO_VALUE:
                    continue
                param = self._param_of(subject)
                self.info.comparisons.append(
                    Comparison(ast.unparse(subject), type(op).__name__, value, node.lineno, param)
                )
                if param and isinstance(subject, ast.Name) and value is not None:
                    self._hint(param, type(value).__name__)
            left = right
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "isinstance" and len(node.args) == 2:
            param = self._param_of(node.args[0])
            if param and isinstance(node.args[0], ast.Name):
                types = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
                for t in types:
                    self._hint(param, ast.unparse(t))
        if isinstance(func, ast.Attribute):
            owner = self._param_of(func.value) if isinstance(func.value, ast.Name) else None
            if owner:
                if func.attr in _STR_METHODS:
                    self._hint(owner, "str")
                elif func.attr in _LIST_METHODS:
                    self._hint(owner, "list")
                elif func.attr in _WRITER_METHODS:
                    self._hint(owner, "writer")
                elif func.attr in _READER_METHODS:
                    self._hint(owner, "reader")
                elif func.attr in _DICT_METHODS:
                    self._hint(owner, "dict")
                    if func.attr in ("get", "setdefault") and node.args:
                        key = _literal_value(node.args[0])
                        if isinstance(key, str):
                            self.info.dict_keys.setdefault(owner, []).append(key)
            if (
                isinstance(func.value, ast.Name)
                and func.value.id == "re"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                self.info.regexes.append(node.args[0].value)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.params:
            key = _literal_value(node.slice)
            if isinstance(key, str):
                self._hint(node.value.id, "dict")
                self.info.dict_keys.setdefault(node.value.id, []).append(key)
            elif isinstance(key, int):
                self._hint(node.value.id, "sequence")
            elif isinstance(node.slice, ast.Name) and self.keys_of.get(node.slice.id) == (
                node.value.id
            ):
                # ``for k in o: ... o[k]``: o maps its keys to values.
                self._hint(node.value.id, "dict")
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        if isinstance(node.iter, ast.Name) and node.iter.id in self.params:
            self._hint(node.iter.id, "iterable")
            if isinstance(node.target, ast.Name):
                self.keys_of[node.target.id] = node.iter.id
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(side, ast.Name) and side.id in self.params:
                value = _literal_value(other)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    self._hint(side.id, "number")
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        if exc is not None:
            call = exc if isinstance(exc, ast.Call) else None
            name = ast.unparse(call.func if call else exc)
            message = None
            if call and call.args:
                value = _literal_value(call.args[0])
                message = value if isinstance(value, str) else None
            self.info.raises.append(RaiseInfo(name, message, node.lineno))
        self.generic_visit(node)


_NO_VALUE = object()


def _literal_value(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_VALUE


def _doctests(docstring: str | None, lineno: int) -> list[DoctestExample]:
    if not docstring or ">>>" not in docstring:
        return []
    # Here, not at the top: doctest brings pdb, unittest and difflib (~20 ms) to every start.
    import doctest

    try:
        examples = doctest.DocTestParser().get_examples(docstring)
    except ValueError:
        return []
    return [
        DoctestExample(ex.source.strip(), ex.want.strip(), lineno + ex.lineno) for ex in examples
    ]
