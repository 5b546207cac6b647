"""Resolve what one `regoose generate` run covers: modules and, per module, names.

Order: the module list (one file, or a folder's modules), then ``--shard``
(a stable slice of that list), then ``--diff`` (only modules with a changed
function or method, restricted to those), then ``--only`` (the names asked
for; a name no module defines is a UsageError with close matches). Modules
left out are listed with why, so the output can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.domain.defs import Definition, definitions
from regoose_tui.domain.diff_scope import changed_lines, changed_names
from regoose_tui.domain.only import matches, select_per_module
from regoose_tui.domain.scope import modules_in, shard
from regoose_tui.errors import TargetNotFound, UsageError


@dataclass(frozen=True)
class ScopeTarget:
    """One module to generate for; ``only`` names restrict it (empty: everything)."""

    path: Path
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """The modules of a run, and the ones left out with why."""

    targets: tuple[ScopeTarget, ...]
    skipped: tuple[tuple[Path, str], ...] = ()
    #: True when the run was given a folder (a fan-out even for one module).
    folder: bool = False


def resolve_scope(
    target: Path,
    *,
    only: Sequence[str] = (),
    diff_ref: str | None = None,
    shard_of: tuple[int, int] | None = None,
) -> Scope:
    """The scope of ``target`` (blocking: walks, reads and git; call it in a thread)."""
    path = target.expanduser()
    if not path.exists():
        raise TargetNotFound(f"{path}: no such file or folder")
    folder = path.is_dir()
    modules = modules_in(path.resolve()) if folder else [path.resolve()]
    if folder and not modules:
        raise UsageError(f"{path}: no Python modules to test in this folder")
    skipped: list[tuple[Path, str]] = []
    if shard_of is not None:
        k, n = shard_of
        kept = shard(modules, k, n)
        skipped += [(m, f"in another shard than {k}/{n}") for m in modules if m not in kept]
        modules = kept
    defs = {module: _definitions(module) for module in modules}
    names: dict[Path, tuple[str, ...]] = {module: () for module in modules}
    if diff_ref is not None:
        changed = changed_lines(diff_ref, modules)
        for module in list(modules):
            lines = changed.get(module, set())
            found = changed_names(_source(module), lines) if lines != set() else ()
            if not found:
                skipped.append((module, f"no function or method changed since {diff_ref}"))
                modules.remove(module)
                continue
            names[module] = found
    if only:
        per_module = select_per_module(only, {m: defs[m] for m in modules})
        for module in list(modules):
            asked = per_module[module]
            if diff_ref is not None:
                # Both: the changed definitions the names select.
                asked = tuple(q for q in names[module] if any(matches(n, q) for n in asked))
            if not asked:
                skipped.append((module, "defines none of the --only names"))
                modules.remove(module)
                continue
            names[module] = asked
    targets = tuple(ScopeTarget(module, names[module]) for module in modules)
    return Scope(targets, tuple(skipped), folder)


def _source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _definitions(path: Path) -> list[Definition]:
    return definitions(_source(path))
