"""The widgets package imports only the standard library, textual, rich and itself."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

ALLOWED_THIRD_PARTY = {"textual", "rich"}
# import_module, not `import regoose_tui.widgets`: the checkout mapping registers the
# module in sys.modules without setting it as an attribute of regoose_tui.
WIDGETS_INIT = Path(str(importlib.import_module("regoose_tui.widgets").__file__))


def widget_modules() -> list[Path]:
    return sorted(WIDGETS_INIT.parent.glob("*.py"))


def test_widgets_import_nothing_of_the_core_or_the_app() -> None:
    modules = widget_modules()
    assert len(modules) > 10
    offenders = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED_THIRD_PARTY and top not in sys.stdlib_module_names:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_package_init_stays_import_free() -> None:
    tree = ast.parse(WIDGETS_INIT.read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
