"""Regoose: writes, runs and repairs pytest tests for Python code.

This module imports nothing heavy: the CLI, the engine and the app each load
only what they need, so `regoose --version` and the core never pay for
Textual or LiteLLM.
"""

from __future__ import annotations

__version__ = "0.1.0"


def _adopt_checkout_widgets() -> None:
    """Make `regoose_tui.widgets` resolve in a source checkout too.

    The presentation widgets live in the top-level ``widgets/`` folder (the
    design card), and the wheel ships them as ``regoose_tui/widgets`` so no
    bare ``widgets`` package lands in site-packages. Registering the checkout
    folder as ``regoose_tui.widgets`` here lets every caller use that one name
    in a checkout, an editable install and a wheel alike. ``widgets/__init__``
    imports nothing, so this costs one small file read.
    """
    import importlib.util
    import sys
    from pathlib import Path

    package_dir = Path(__file__).resolve().parent
    if (package_dir / "widgets").is_dir() or "regoose_tui.widgets" in sys.modules:
        return
    checkout_init = package_dir.parent / "widgets" / "__init__.py"
    if not checkout_init.is_file():
        return
    spec = importlib.util.spec_from_file_location(
        "regoose_tui.widgets",
        checkout_init,
        submodule_search_locations=[str(checkout_init.parent)],
    )
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["regoose_tui.widgets"] = module
    spec.loader.exec_module(module)
    globals()["widgets"] = module  # what `import regoose_tui.widgets` binds on the package


_adopt_checkout_widgets()
