"""Agents sit below the engine: no module under regoose_tui/agents imports regoose_tui.engine.

Checked on the source (every import statement, lazy ones inside functions too),
so an arrow pointing back up fails here with the file and line that draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import regoose_tui.agents

AGENTS = Path(regoose_tui.agents.__file__).parent


def _imported(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def test_no_agent_module_imports_the_engine() -> None:
    modules = sorted(AGENTS.rglob("*.py"))
    assert len(modules) >= 6  # base + the five agents: the walk really looked
    offenders = [
        f"{path.relative_to(AGENTS.parent)}:{line}: {name}"
        for path in modules
        for line, name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if name == "regoose_tui.engine" or name.startswith("regoose_tui.engine.")
    ]
    assert offenders == []
