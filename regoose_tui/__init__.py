"""Regoose: writes, runs and repairs pytest tests for Python code.

This module imports nothing heavy: the CLI, the engine and the app each load
only what they need, so `regoose --version` and the core never pay for
Textual or LiteLLM.

``regoose_tui/widgets`` is a link to the top-level ``widgets/`` folder (the
presentation widgets), so a checkout, an editable install and the wheel all
import them as ``regoose_tui.widgets``.
"""

from __future__ import annotations

import time

__version__ = "0.1.0"
#: When this process imported Regoose (time.monotonic()): a command's ``--budget``
#: counts from here, start-up included, as the user's clock does.
STARTED = time.monotonic()
