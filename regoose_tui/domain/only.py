"""``--only NAME``: restrict generation to some functions and methods.

A name is a function (``parse_date``), a method (``Cart.total``) or a class
(``Cart``: all its methods). Names that match nothing in the scope are one
clear error listing the close matches, never a silent empty run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from regoose_tui.domain.defs import Definition
from regoose_tui.errors import UsageError


def matches(name: str, qualname: str) -> bool:
    """Whether the requested ``name`` selects the definition ``qualname``."""
    return qualname == name or qualname.startswith(f"{name}.")


def selected(requested: Iterable[str], defs: Iterable[Definition]) -> tuple[str, ...]:
    """The requested names that select something among ``defs``, in request order."""
    qualnames = [d.qualname for d in defs]
    return tuple(n for n in dict.fromkeys(requested) if any(matches(n, q) for q in qualnames))


def wanted(names: Sequence[str], *qualnames: str | None) -> bool:
    """Whether a callee known by any of ``qualnames`` (its key, its code's qualname) is asked for.

    No names means everything is wanted.
    """
    if not names:
        return True
    return any(q is not None and matches(n, q) for n in names for q in qualnames)


def select_per_module(
    requested: Sequence[str], defs: Mapping[Path, list[Definition]]
) -> dict[Path, tuple[str, ...]]:
    """For each module, the requested names it defines; UsageError for names none defines."""
    per_module = {path: selected(requested, found) for path, found in defs.items()}
    known = {name for names in per_module.values() for name in names}
    unknown = [name for name in dict.fromkeys(requested) if name not in known]
    if unknown:
        every = sorted({d.qualname for found in defs.values() for d in found})
        raise UsageError(unknown_names(unknown, every))
    return per_module


def unknown_names(unknown: Sequence[str], every: Sequence[str]) -> str:
    """``--only parse_dat: no such function or method; close matches: parse_date, ...``."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, every, n=4, cutoff=0.6)
        if not close:
            # A bare method name is the usual slip: offer the methods of that name.
            close = [q for q in every if q.rsplit(".", 1)[-1] == name][:4]
        hint = f"close matches: {', '.join(close)}" if close else "no close match"
        parts.append(f"--only {name}: no such function, method or class ({hint})")
    return "; ".join(parts)
