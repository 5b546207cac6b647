"""New tests as new classes in the project's own test file for the module.

A project that already keeps ``tests/test_typeutils.py`` gets Regoose's tests
there, not in a second file beside it: the generated suite's test classes are
appended as new classes (top-level test functions are gathered into one new
class), its imports are merged into the file's own, and the file's import style
wins (``import boltons.typeutils as tu`` in the file turns the suite's
``make_sentinel(...)`` into ``tu.make_sentinel(...)``). Nothing the file already
has is touched beyond its import block, and a generated test that checks what
one of the file's tests already checks (the same body, or only asserts the file
already makes) is left out. When the two cannot be joined safely (a name both
bind differently, a class name taken) the answer is None and the caller writes
a separate file as before. Pure text in, text out.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from regoose_tui.domain.block_extend import (
    extend_classes,
    free_name,
    member_name,
    members,
    ours,
    renamed_def,
)
from regoose_tui.domain.import_join import (
    bindings,
    from_imported,
    is_docstring,
    with_imports,
)
from regoose_tui.domain.test_repeats import Repeats

#: The comment line above the added classes: says who added them and for what.
ADDED_MARK = "# Added by Regoose for {module}"

_DEF = re.compile(r"^\s*(?:async\s+)?def\s+\w+\s*\(")


@dataclass(frozen=True)
class Insertion:
    """The host file with the suite inside, and what was added or left out."""

    text: str
    #: Names of the tests added, as in the merged file (``Class::method``).
    added: tuple[str, ...]
    #: Suite test names left out (as in the suite) and the host test each repeats.
    duplicates: tuple[tuple[str, str], ...] = ()
    #: Suite test names that moved (a top-level ``test_x`` into the new class).
    renamed: dict[str, str] = field(default_factory=dict)


def _defined(tree: ast.Module) -> dict[str, ast.stmt]:
    """Top-level names a module defines (functions, classes, assignments)."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node
    return out


def _rename_names(
    source: str, renames: dict[str, str], attributes: dict[tuple[str, str], str] | None = None
) -> str:
    """``source`` with each read of a renamed name rewritten (imports untouched).

    ``attributes`` maps ``(module, attr)`` to a name: ``pytest.raises`` becomes
    ``raises`` where the file has ``from pytest import raises``.
    """
    attributes = attributes or {}
    if not renames and not attributes:
        return source
    tree = ast.parse(source)
    spots: list[tuple[int, int, int, str]] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in renames and sub.end_col_offset is not None:
                spots.append((sub.lineno, sub.col_offset, sub.end_col_offset, renames[sub.id]))
            elif (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and (sub.value.id, sub.attr) in attributes
                and sub.end_lineno == sub.lineno
                and sub.end_col_offset is not None
            ):
                new = attributes[(sub.value.id, sub.attr)]
                spots.append((sub.lineno, sub.col_offset, sub.end_col_offset, new))
    lines = source.splitlines(keepends=True)
    for lineno, start, end, new in sorted(spots, reverse=True):
        # col offsets are UTF-8 byte offsets: splice in bytes.
        raw = lines[lineno - 1].encode("utf-8")
        lines[lineno - 1] = (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")
    return "".join(lines)


def _segment(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return "".join(lines[first - 1 : node.end_lineno or node.lineno]).rstrip("\n")


def _as_method(segment: str) -> str:
    """A top-level test function's text as a method: indented, ``self`` first."""
    out = []
    done = False
    for line in segment.splitlines():
        match = None if done else _DEF.match(line)
        if match is not None:
            rest = line[match.end() :]
            if rest.lstrip().startswith(")"):
                first = "self"
            else:  # a signature over several lines goes on on the next one
                first = "self, " if rest.strip() else "self,"
            line = line[: match.end()] + first + rest
            done = True
        out.append(("    " + line) if line.strip() else "")
    return "\n".join(out)


def _camel(module: str) -> str:
    return "".join(part.capitalize() for part in module.rsplit(".", 1)[-1].split("_") if part)


def _class_without(lines: list[str], node: ast.ClassDef, dropped: set[str]) -> str:
    """A class's text with the named methods cut out."""
    text_lines = _segment(lines, node).splitlines()
    base = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    cut: set[int] = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in dropped:
            first = min([item.lineno, *(d.lineno for d in item.decorator_list)])
            cut.update(range(first - base, (item.end_lineno or item.lineno) - base + 1))
    kept = [line for index, line in enumerate(text_lines) if index not in cut]
    squeezed: list[str] = []
    for line in kept:
        if not line.strip() and squeezed and not squeezed[-1].strip():
            continue
        squeezed.append(line)
    return "\n".join(squeezed).rstrip()


def insert_suite(host: str, suite: str, module: str) -> Insertion | None:
    """``host`` with ``suite``'s tests appended as new classes; None when not safely joined.

    When every test of the suite repeats one of the host's, the host comes back
    unchanged with nothing added and every test among the duplicates.
    """
    try:
        host_tree = ast.parse(host)
        suite_tree = ast.parse(suite)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    mine, theirs = bindings(host_tree), bindings(suite_tree)
    defined = _defined(host_tree)
    taken = set(mine.names) | set(defined)
    renames: dict[str, str] = {}
    attributes: dict[tuple[str, str], str] = {}
    #: Plain imports decided after the rewrite: needed only if the module is still used.
    deferred: list[tuple[str, str]] = []
    new_imports: list[str] = []
    extend: dict[str, list[str]] = {}
    for node in suite_tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom) or (
            isinstance(node, ast.ImportFrom) and (node.level or node.module == "__future__")
        ):
            continue
        for alias in node.names:
            bound = alias.asname or (
                alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name
            )
            qualified = theirs.names.get(bound, "")
            same = [b for b, q in mine.names.items() if q == qualified]
            if bound in mine.names and mine.names[bound] == qualified:
                continue  # the file already imports it under that name
            if same:
                renames[bound] = same[0]
                continue
            owner, _, attr = qualified.rpartition(".")
            if (
                isinstance(node, ast.ImportFrom)
                and owner in mine.modules
                and not from_imported(host_tree, owner)
            ):
                # The file imports the module whole (``import m as tu``): its style wins.
                renames[bound] = f"{mine.modules[owner]}.{attr}"
                continue
            spec = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            if isinstance(node, ast.Import):
                # ``pytest.raises`` where the file says ``from pytest import raises``: its way.
                for name, meaning in mine.names.items():
                    head, _, rest = meaning.rpartition(".")
                    if head == qualified and rest:
                        attributes[(bound, rest)] = name
                deferred.append((bound, spec))
                continue
            if bound in taken:
                return None  # the file binds that name to something else
            taken.add(bound)
            if isinstance(node, ast.ImportFrom) and from_imported(host_tree, node.module or ""):
                extend.setdefault(node.module or "", []).append(spec)
            elif isinstance(node, ast.ImportFrom):
                new_imports.append(f"from {node.module} import {spec}")
            else:
                new_imports.append(f"import {spec}")
    try:
        suite = _rename_names(suite, renames, attributes)
        suite_tree = ast.parse(suite)
    except (SyntaxError, ValueError, RecursionError):
        return None
    used = {
        sub.id
        for node in suite_tree.body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name)
    }
    for bound, spec in deferred:
        if bound not in used:
            continue  # every use now goes through the file's own imports
        if bound in taken:
            return None  # the file binds that name to something else
        taken.add(bound)
        new_imports.append(f"import {spec}")
    lines = suite.splitlines(keepends=True)
    repeats = Repeats(host_tree, bindings(suite_tree).names).of
    blocks: list[str] = []
    loose: list[str] = []
    added: list[str] = []
    duplicates: list[tuple[str, str]] = []
    renamed: dict[str, str] = {}
    gathered = f"Test{_camel(module)}Added"
    mark = ADDED_MARK.format(module=module)
    host_lines = host.splitlines()
    # Classes an earlier join added under the mark: ours to extend, not a clash.
    earlier = ours(host_tree, host_lines, mark)
    additions: dict[str, list[str]] = {}
    in_class = {name: set(members(node)) for name, node in earlier.items()}

    def add_method(owner: str, suite_id: str, name: str, text: str) -> None:
        """One new test method for the earlier class ``owner``, under a free name."""
        new = free_name(name, in_class[owner])
        in_class[owner].add(new)
        additions.setdefault(owner, []).append(renamed_def(text, name, new))
        added.append(f"{owner}::{new}")
        if suite_id != f"{owner}::{new}":
            renamed[suite_id] = f"{owner}::{new}"

    def extend_earlier(node: ast.ClassDef) -> bool:
        """The suite class ``node`` merged into the earlier class of its name (False: clash)."""
        have = members(earlier[node.name])
        helpers: list[str] = []
        tests: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith(
                "test"
            ):
                tests.append(item)
                continue
            if is_docstring(item) or isinstance(item, ast.Pass):
                continue
            name = member_name(item)
            if name is not None and name in have and ast.dump(have[name]) == ast.dump(item):
                continue  # the earlier class has this helper, the same way
            if name is None or name in in_class[node.name]:
                return False
            in_class[node.name].add(name)
            helpers.append(_segment(lines, item))
        fresh = []
        for item in tests:
            found = repeats(item)
            if found is not None:
                duplicates.append((f"{node.name}::{item.name}", found))
            else:
                fresh.append(item)
        if fresh and helpers:
            additions.setdefault(node.name, []).extend(helpers)
        for item in fresh:
            add_method(node.name, f"{node.name}::{item.name}", item.name, _segment(lines, item))
        return True

    for node in suite_tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or is_docstring(node):
            continue
        if isinstance(node, ast.ClassDef) and node.name in earlier:
            if not extend_earlier(node):
                return None
            continue
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            if node.name in taken:
                return None
            dropped: set[str] = set()
            for item in node.body:
                if isinstance(
                    item, ast.FunctionDef | ast.AsyncFunctionDef
                ) and item.name.startswith("test"):
                    found = repeats(item)
                    if found is not None:
                        dropped.add(item.name)
                        duplicates.append((f"{node.name}::{item.name}", found))
                    else:
                        added.append(f"{node.name}::{item.name}")
            tests = [
                i
                for i in node.body
                if isinstance(i, ast.FunctionDef | ast.AsyncFunctionDef)
                and i.name.startswith("test")
            ]
            if len(dropped) < len(tests):
                taken.add(node.name)
                blocks.append(_class_without(lines, node, dropped))
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            found = repeats(node)
            if found is not None:
                duplicates.append((node.name, found))
                continue
            if gathered in earlier:
                add_method(gathered, node.name, node.name, _as_method(_segment(lines, node)))
                continue
            loose.append(_as_method(_segment(lines, node)))
            renamed[node.name] = f"{gathered}::{node.name}"
            added.append(renamed[node.name])
            continue
        helper = next(iter(_defined(ast.Module(body=[node], type_ignores=[]))), "")
        if not helper:
            return None  # a bare statement at module level: not ours to move
        if helper in defined:
            if ast.dump(node) == ast.dump(defined[helper]):
                continue  # the file already defines this helper, the same way
            return None
        if helper in taken:
            return None
        taken.add(helper)
        blocks.insert(0, _segment(lines, node))
    if loose:
        if gathered in taken:
            return None
        blocks.append(f"class {gathered}:\n" + "\n\n".join(loose))
    if not added:
        # Every test repeats one of the file's own: the file stays as it is (a file of
        # repeats beside it would add nothing); a suite with no test is not joined at all.
        return Insertion(host, (), tuple(duplicates), renamed) if duplicates else None
    if additions:  # the earlier classes first (below the imports: line numbers hold)
        host = extend_classes(host, host_tree, additions)
        host_tree = ast.parse(host)
    text = with_imports(host, host_tree, new_imports, extend, module)
    if blocks:
        # One mark per module: a later join's new classes go on under the earlier one's.
        head = "" if mark in host_lines else mark + "\n"
        text = text.rstrip("\n") + "\n\n\n" + head + "\n\n\n".join(blocks) + "\n"
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    return Insertion(text, tuple(added), tuple(duplicates), renamed)
