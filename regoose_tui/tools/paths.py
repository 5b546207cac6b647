"""Keep tool paths inside a root directory, symlinks included."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.errors import InputError, TargetNotFound, TargetOutsideProject


def checked_root(root: Path | str) -> Path:
    """The root, resolved; TargetNotFound unless it is an existing directory."""
    resolved = Path(root).expanduser().resolve()
    if not resolved.is_dir():
        raise TargetNotFound(f"tool root {resolved} is not a directory")
    return resolved


def resolve_inside(root: Path, path: str) -> Path:
    """``path`` (relative to ``root``) resolved; refused when it lands outside ``root``.

    Resolving follows every symlink, so a link pointing out of the root is
    refused like a ``../`` path. Blocking (it reads links): call it in a thread.
    """
    if "\x00" in path:
        raise InputError(f"path {path!r} contains a NUL byte")
    resolved = (root / path).resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise TargetOutsideProject(f"path '{path}' is outside the tool root {root}")
    return resolved


def relative(root: Path, path: Path) -> str:
    """``path`` as a POSIX string relative to ``root`` ("." for the root itself)."""
    return path.relative_to(root).as_posix() or "."
