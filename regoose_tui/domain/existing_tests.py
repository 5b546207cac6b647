"""The project's own tests for a module: the test files that import it.

Before generating, Regoose runs what the project already has for the target
(its coverage is the baseline new tests must add to). "Its tests" are the
files its pytest would collect from its test folder (testpaths, else tests/)
whose imports name the target module: ``import shop.cart``,
``from shop.cart import Cart``, ``from shop import cart``, or a package that
re-exports it (``import shop`` when shop/__init__.py imports ``.cart``). Only reads (a
bounded walk and small files parsed with ``ast``); never fails on a file
that does not parse.
"""

from __future__ import annotations

import ast
import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from regoose_tui.domain.layout import ProjectLayout

#: Folders never walked (virtualenvs, caches, VCS data).
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules"}
)
#: Bounds of the walk: a huge repository is sampled, not read whole.
MAX_FILES = 5000
MAX_FILE_BYTES = 1_000_000


def project_test_folders(layout: ProjectLayout) -> list[Path]:
    """Where the project keeps its tests: its testpaths that exist, else its test folder."""
    base = (layout.root / layout.pytest.rootdir).resolve() if layout.pytest.rootdir else layout.root
    found: list[Path] = []
    for entry in layout.pytest.testpaths:
        matches = sorted(base.glob(entry)) if any(c in entry for c in "*?[") else [base / entry]
        found.extend(m.resolve() for m in matches if m.exists())
    if not found and layout.test_dir.is_dir():
        found.append(layout.test_dir)
    return list(dict.fromkeys(found))


def imports_module(source: str, module: str) -> bool:
    """Whether ``source`` imports ``module`` (or a name from it); False when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name == module for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == module:
                return True
            if any(f"{node.module}.{alias.name}" == module for alias in node.names):
                return True
    return False


def reexported_as(import_root: Path, module: str) -> tuple[str, ...]:
    """``module`` and the packages that re-export it (``from .recipes import *``).

    ``import more_itertools as mi`` tests ``more_itertools.recipes`` when the
    package's ``__init__.py`` imports it: a test of the package is a test of the
    module. Climbs while each package imports the one below it.
    """
    names = [module]
    parts = module.split(".")
    while len(parts) > 1:
        child, package = parts[-1], ".".join(parts[:-1])
        init = import_root.joinpath(*parts[:-1], "__init__.py")
        try:
            tree = ast.parse(init.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
            break
        if not _imports_child(tree, package, child):
            break
        names.append(package)
        parts = parts[:-1]
    return tuple(names)


def _imports_child(tree: ast.Module, package: str, child: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and (
                node.module == child or (node.module is None and child in _aliases(node))
            ):
                return True
            if node.level == 0 and node.module == f"{package}.{child}":
                return True
        elif isinstance(node, ast.Import) and f"{package}.{child}" in _aliases(node):
            return True
    return False


def _aliases(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {alias.name for alias in node.names}


def existing_tests_for(
    layout: ProjectLayout, module: str, *, exclude: Iterable[Path] = ()
) -> list[Path]:
    """The project's test files that import ``module`` (or a package re-exporting it).

    Sorted; ``exclude`` left out. Blocking (a walk and reads): call it in a thread.
    """
    skipped = {path.resolve() for path in exclude}
    names = reexported_as(layout.import_root, module)
    globs = tuple(layout.pytest.python_files)
    found: list[Path] = []
    for path in _walk(project_test_folders(layout)):
        if path in skipped or not any(fnmatch.fnmatch(path.name, g) for g in globs):
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if any(imports_module(source, name) for name in names):
            found.append(path)
    return sorted(found)


def _walk(folders: Iterable[Path]) -> Iterator[Path]:
    """Python files under ``folders`` (a file given as a testpath counts), bounded."""
    seen = 0
    for folder in folders:
        if folder.is_file():
            if folder.suffix == ".py":
                yield folder
            continue
        for current, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                seen += 1
                if seen > MAX_FILES:
                    return
                yield Path(current, name).resolve()
