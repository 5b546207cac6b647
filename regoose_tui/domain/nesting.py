"""Source nested past what Python can parse or walk: one clear input error, not a crash.

``X = 1+1+...+1`` with tens of thousands of terms makes ``ast.parse`` (and
every recursive walk after it: ``ast.unparse``, visitors) hit the recursion
limit; the target, the suite editor and the analysis all turn that into
the same one-line :class:`TargetTooDeep`.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.errors import TargetTooDeep


def too_deep(path: str | Path, error: BaseException) -> TargetTooDeep:
    """The one-line input error for source nested past what Python can walk."""
    what = "recursion limit" if isinstance(error, RecursionError) else "out of memory"
    return TargetTooDeep(
        f"{path}: too deeply nested to analyse ({what} while parsing; "
        "split the long expression or nested block)"
    )
