"""Edit a pytest module as text guided by its AST: list, drop and merge tests.

Edits splice the original text by line ranges instead of re-printing the AST,
so the formatting and comments of what is kept stay exactly as written.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from regoose_tui.domain.nesting import too_deep


@dataclass(frozen=True)
class _Span:
    name: str
    start: int  # 0-based first line (decorators included)
    end: int  # 0-based exclusive


def _parse(source: str) -> ast.Module:
    """``ast.parse`` with a suite nested past the recursion limit as one input error."""
    try:
        return ast.parse(source)
    except (RecursionError, MemoryError) as exc:
        raise too_deep("the test module", exc) from None


def _spans(tree: ast.Module) -> list[_Span]:
    spans = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append(_Span(node.name, first - 1, node.end_lineno or node.lineno))
    return spans


def list_test_names(source: str) -> list[str]:
    """Names of the test functions (and test methods as Class::method) in ``source``."""
    return collected_names(_parse(source))


def collected_names(tree: ast.Module) -> list[str]:
    """Tests pytest would collect from a parsed module: ``test_*`` and ``Test*::test_*``."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.extend(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.startswith("test")
            )
    return names


def _method_spans(cls: ast.ClassDef) -> list[_Span]:
    spans = []
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([item.lineno, *(d.lineno for d in item.decorator_list)])
            spans.append(_Span(item.name, first - 1, item.end_lineno or item.lineno))
    return spans


def remove_tests(source: str, names: set[str] | list[str]) -> str:
    """Drop the named tests (``test_x`` or ``TestC::test_x``); a class left empty goes too."""
    wanted = set(names)
    tree = _parse(source)
    lines = source.splitlines(keepends=True)
    drop: list[tuple[int, int]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in wanted:
            drop.extend((s.start, s.end) for s in _spans(ast.Module([node], [])))
        elif isinstance(node, ast.ClassDef):
            methods = _method_spans(node)
            tests = [m for m in methods if m.name.startswith("test")]
            doomed = [m for m in tests if f"{node.name}::{m.name}" in wanted]
            if tests and len(doomed) == len(tests):
                drop.extend((s.start, s.end) for s in _spans(ast.Module([node], [])))
            else:
                drop.extend((m.start, m.end) for m in doomed)
    keep = [True] * len(lines)
    for start, end in drop:
        for index in range(start, min(end, len(lines))):
            keep[index] = False
    text = "".join(line for line, kept in zip(lines, keep, strict=True) if kept)
    return _squeeze_blank_lines(text)


def _squeeze_blank_lines(text: str) -> str:
    out: list[str] = []
    blanks = 0
    for line in text.splitlines():
        if line.strip():
            blanks = 0
            out.append(line)
        else:
            blanks += 1
            if blanks <= 2:
                out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def merge_suites(base: str, extra: str) -> str:
    """Add ``extra``'s imports, helpers and tests to ``base``; clashing test names get a suffix."""
    if not base.strip():
        return extra
    base_tree = _parse(base)
    extra_tree = _parse(extra)
    extra_lines = extra.splitlines(keepends=True)
    base_imports = {
        ast.unparse(n) for n in base_tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    }
    taken = {s.name for s in _spans(base_tree)}
    taken |= {
        t.id
        for n in base_tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    base_bodies = {_body_key(n) for n in base_tree.body if _defined_name(n)}
    new_imports: list[str] = []
    new_blocks: list[str] = []
    for node in extra_tree.body:
        segment_lines = extra_lines[_first_line(node) - 1 : node.end_lineno or node.lineno]
        segment = "".join(segment_lines)
        if isinstance(node, ast.Import | ast.ImportFrom):
            if ast.unparse(node) not in base_imports:
                new_imports.append(segment.rstrip("\n"))
            continue
        name = _defined_name(node)
        if name is None:
            continue  # module docstrings and bare expressions stay with the base
        if _body_key(node) in base_bodies:
            continue  # the same test (or helper) under any name: adds nothing
        if name in taken:
            if not name.startswith(("test", "Test")):
                continue  # the base already defines this helper
            renamed = _unique(name, taken)
            segment = segment.replace(f"def {name}(", f"def {renamed}(", 1).replace(
                f"class {name}", f"class {renamed}", 1
            )
            name = renamed
        taken.add(name)
        new_blocks.append(segment.rstrip("\n"))
    merged = base.rstrip("\n") + "\n"
    if new_imports:
        merged = _insert_imports(merged, base_tree, new_imports)
    if new_blocks:
        merged += "\n\n" + "\n\n\n".join(new_blocks) + "\n"
    return merged


def _body_key(node: ast.stmt) -> str:
    """What a definition does, whatever it is called: its AST without its name."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return ast.dump(ast.Module(body=list(node.body), type_ignores=[])) + ast.dump(
            ast.Module(body=[ast.Expr(d) for d in node.decorator_list], type_ignores=[])
        )
    return ast.dump(node)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _defined_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def _unique(name: str, taken: set[str]) -> str:
    counter = 2
    while f"{name}_{counter}" in taken:
        counter += 1
    return f"{name}_{counter}"


def _insert_imports(source: str, tree: ast.Module, imports: list[str]) -> str:
    last_import = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last_import = node.end_lineno or node.lineno
    lines = source.splitlines(keepends=True)
    head, tail = lines[:last_import], lines[last_import:]
    return "".join(head) + "\n".join(imports) + "\n" + "".join(tail)
