"""Edit a pytest module as text guided by its AST: list, drop and merge tests.

Edits splice the original text by line ranges instead of re-printing the AST,
so the formatting and comments of what is kept stay exactly as written.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from regoose_tui.domain.blank_lines import tidy_blank_lines
from regoose_tui.domain.distinct_names import distinct_name, rename_def, splice
from regoose_tui.domain.imports import ImportSet, used_names
from regoose_tui.domain.nesting import too_deep

#: The longest test method name a merge makes: ``    def <name>(self, capsys):`` fits 88.
_METHOD_NAME = 65


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
    return tidy_blank_lines(text)


def merge_suites(base: str, extra: str) -> str:
    """Add ``extra``'s imports, helpers and tests to ``base``, as one tidy module.

    The imports of both become one merged block in isort order (domain.imports),
    laid out the way ``base`` files the project's package (its own section or with
    third-party); a test class both define gets the new methods; a test whose
    name is taken is renamed by what its body does differently (never ``_2``);
    a test ``base`` already has under any name, and a helper it already defines,
    are left out.
    """
    if not base.strip():
        return extra
    base_tree = _parse(base)
    extra_tree = _parse(extra)
    extra_lines = extra.splitlines(keepends=True)
    taken = {s.name for s in _spans(base_tree)}
    taken |= {
        t.id
        for n in base_tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    holders = {
        n.name: n
        for n in base_tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    base_bodies = {_body_key(n) for n in base_tree.body if _defined_name(n)}
    imports = ImportSet()
    for node in extra_tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.add_node(node)
    new_blocks: list[str] = []
    class_additions: dict[str, list[str]] = {}
    for node in extra_tree.body:
        segment = "".join(extra_lines[_first_line(node) - 1 : node.end_lineno or node.lineno])
        name = _defined_name(node)
        if name is None or isinstance(node, ast.Import | ast.ImportFrom):
            continue  # module docstrings, imports (merged above), bare expressions
        if _body_key(node) in base_bodies:
            continue  # the same test (or helper) under any name: adds nothing
        holder = holders.get(name)
        if isinstance(node, ast.ClassDef) and isinstance(holder, ast.ClassDef):
            class_additions[name] = _new_methods(holder, node, extra_lines)
            continue
        if name in taken:
            if not name.startswith(("test", "Test")):
                continue  # the base already defines this helper
            renamed = distinct_name(name, node, holder, taken) or _lettered(name, taken)
            segment = rename_def(segment, name, renamed).replace(
                f"class {name}", f"class {renamed}", 1
            )
            name = renamed
        taken.add(name)
        new_blocks.append(segment.rstrip("\n"))
    merged = base.rstrip("\n") + "\n"
    if class_additions:
        merged = _extend_classes(merged, class_additions)
    if new_blocks:
        merged += "\n\n" + "\n\n\n".join(new_blocks) + "\n"
    # Only what the merged code uses: an import of a test left out would be unused (F401).
    imports = imports.used_by(used_names(_parse(merged)))
    if imports.plain or imports.froms:
        merged = _merge_imports(merged, imports)
    return merged


def _merge_imports(source: str, extra: ImportSet) -> str:
    """``source`` with ``extra`` joined into its leading import block, laid out afresh."""
    tree = _parse(source)
    leading = _leading_imports(tree)
    lines = source.splitlines(keepends=True)
    if leading:
        first_party = _first_party_of_block(lines, leading)
        for node in leading:
            extra.add_node(node)
        start = leading[0].lineno - 1
        end = leading[-1].end_lineno or leading[-1].lineno
    else:
        first_party = []
        start = end = _after_docstring(tree)
    head = "".join(lines[:start])
    rest = "".join(lines[end:]).lstrip("\n")
    block = "\n".join(extra.lines(first_party)) + "\n"
    return head + block + ("\n\n" + rest if rest else "")


def _leading_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    body = list(tree.body)
    if body and _is_docstring(body[0]):
        body = body[1:]
    leading: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        leading.append(node)
    return leading


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _after_docstring(tree: ast.Module) -> int:
    if tree.body and _is_docstring(tree.body[0]):
        return tree.body[0].end_lineno or tree.body[0].lineno
    return 0


def _first_party_of_block(
    lines: list[str], leading: list[ast.Import | ast.ImportFrom]
) -> list[str]:
    """The packages ``lines``' import block files as first-party: a last section of its own."""
    sections: list[set[str]] = [set()]
    previous_end = leading[0].lineno
    for node in leading:
        between = lines[previous_end : node.lineno - 1]
        if any(not line.strip() for line in between) and sections[-1]:
            sections.append(set())
        module = node.names[0].name if isinstance(node, ast.Import) else node.module or ""
        if not getattr(node, "level", 0):
            sections[-1].add(module.split(".")[0])
        previous_end = node.end_lineno or node.lineno
    non_std = [s for s in sections if s - set(sys.stdlib_module_names) - {"__future__"}]
    return sorted(non_std[-1]) if len(non_std) >= 2 else []


def _new_methods(holder: ast.ClassDef, node: ast.ClassDef, lines: list[str]) -> list[str]:
    """The methods of ``node`` that ``holder`` lacks, renamed by fact where a name is taken."""
    taken = {item.name for item in holder.body if isinstance(item, ast.FunctionDef)}
    bodies = {_body_key(item) for item in holder.body if isinstance(item, ast.FunctionDef)}
    mine = {item.name: item for item in holder.body if isinstance(item, ast.FunctionDef)}
    out = []
    for item in node.body:
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if _body_key(item) in bodies or not item.name.startswith("test"):
            continue
        segment = "".join(lines[_first_line(item) - 1 : item.end_lineno or item.lineno])
        name = item.name
        if name in taken:
            # A method's name has 4 columns less and ``self`` to share the line with.
            name = distinct_name(name, item, mine.get(name), taken, _METHOD_NAME) or _lettered(
                name, taken
            )
            segment = rename_def(segment, item.name, name)
        taken.add(name)
        out.append(segment.rstrip("\n"))
    return out


def _extend_classes(source: str, additions: dict[str, list[str]]) -> str:
    """``source`` with each named top-level class's new methods appended to its body."""
    tree = _parse(source)
    lines = source.splitlines(keepends=True)
    inserts: list[tuple[int, str]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and additions.get(node.name):
            end = node.end_lineno or node.lineno
            inserts.append((end, "\n" + "\n\n".join(additions[node.name]) + "\n"))
    for end, text in sorted(inserts, reverse=True):
        lines[end:end] = [text]
    return "".join(lines)


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


def _lettered(name: str, taken: set[str]) -> str:
    """The last resort when no fact tells two bodies apart: a letter, never a number."""
    for letter in "bcdefghijklmnopqrstuvwxyz":
        candidate = splice(name, f"case_{letter}")
        if candidate not in taken:
            return candidate
    raise ValueError(f"too many tests named {name}")
