"""The one-line errors for a target that does not import, whoever imports it first.

A generation imports its target in the sandbox once: the analyzer's own check
(every provider that does not import the target itself), or the offline
engine's introspection. Both say a failure the same way, with the same limit.
"""

from __future__ import annotations

from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import TargetImportError

#: A module that takes longer than this to import is treated as hanging.
IMPORT_TIMEOUT_SECONDS = 20.0


def import_limit(remaining: float) -> float:
    """Seconds an import may take: never past the generation's budget, at least 1 s."""
    return max(1.0, min(remaining, IMPORT_TIMEOUT_SECONDS))


def import_failed(target: TargetModule, error_text: str) -> TargetImportError:
    """``importing X failed: <the error's last line>`` (a traceback's last line says it)."""
    lines = [line.strip() for line in error_text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no error output"
    return TargetImportError(f"{target.path}: importing {target.module} failed: {last}")


def import_hung(target: TargetModule, seconds: float) -> TargetImportError:
    """``importing X did not finish in N s``: the import ran past its limit."""
    return TargetImportError(
        f"{target.path}: importing {target.module} did not finish in "
        f"{seconds:.0f} s (does it run code at import time?)"
    )
