"""Resolve and vet a target file: every bad input becomes one clear InputError.

Nothing here writes anything. Checks run in the order a user would want to
hear about them: the path, the project, the bytes, the encoding, the syntax.
Whether the module imports is checked later, in the sandbox (analyzer agent).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.domain.nesting import too_deep
from regoose_tui.errors import (
    TargetNotFound,
    TargetOutsideProject,
    TargetSyntaxError,
    TargetUnreadable,
)


@dataclass(frozen=True)
class TargetModule:
    """The file tests are written for, and how to import it."""

    path: Path
    module: str
    project_dir: Path
    source: str


#: Larger files are not source a person wrote; they would also blow any prompt.
MAX_TARGET_BYTES = 1_000_000


def find_project_root(target: Path) -> Path:
    """The import root: the first folder above the target's package chain."""
    folder = target.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def module_name(target: Path, project_dir: Path) -> str:
    """Dotted module name of ``target`` relative to the import root."""
    relative = target.relative_to(project_dir).with_suffix("")
    parts = list(relative.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        raise TargetOutsideProject(
            f"{target}: cannot be imported as a module from {project_dir} "
            "(every folder and the file name must be Python identifiers)"
        )
    return ".".join(parts)


def project_root(target: str | Path, project: str | Path | None = None) -> Path:
    """The import root ``resolve_target`` will use, computed without touching the file.

    The engine needs it before the analyzer vets the target (the sandbox tool
    mounts it); a bad target still fails later, in the analyzer, with its reason.
    """
    if project is not None:
        return Path(project).expanduser().resolve()
    return find_project_root(Path(target).expanduser().resolve())


def resolve_target(target: str | Path, project: str | Path | None = None) -> TargetModule:
    """Check ``target`` and return what the engine needs to import and test it."""
    path = Path(target).expanduser()
    if not path.exists():
        raise TargetNotFound(f"{path}: no such file")
    if path.is_dir():
        raise TargetUnreadable(f"{path}: is a folder; give a Python file (.py)")
    path = path.resolve()
    if path.suffix != ".py":
        raise TargetUnreadable(f"{path}: not a Python file (expected a .py file)")
    if project is None:
        project_dir = find_project_root(path)
    else:
        project_dir = Path(project).expanduser()
        if not project_dir.is_dir():
            raise TargetNotFound(f"{project_dir}: project folder does not exist")
        project_dir = project_dir.resolve()
    if not path.is_relative_to(project_dir):
        raise TargetOutsideProject(f"{path}: is outside the project {project_dir}")
    if not path.is_file():
        raise TargetUnreadable(f"{path}: not a regular file")
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if 0 < size <= MAX_TARGET_BYTES else b""
    except OSError as exc:
        raise TargetUnreadable(f"{path}: cannot read it: {exc.strerror}") from None
    if size == 0:
        raise TargetUnreadable(f"{path}: file is empty; nothing to test")
    if size > MAX_TARGET_BYTES:
        raise TargetUnreadable(
            f"{path}: file is {size // 1024} KiB, over the {MAX_TARGET_BYTES // 1024} KiB limit"
        )
    if b"\x00" in raw[:8192]:
        raise TargetUnreadable(f"{path}: looks like a binary file, not Python source")
    try:
        # utf-8-sig: a byte-order mark is valid Python source, not a syntax error.
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TargetUnreadable(
            f"{path}: not valid UTF-8 (byte {exc.start}); save it as UTF-8 "
            "(coding declarations other than UTF-8 are not supported)"
        ) from None
    if not source.strip():
        raise TargetUnreadable(f"{path}: file has no code; nothing to test")
    try:
        ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise TargetSyntaxError(f"{path}:{exc.lineno or 0}: syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError) as exc:
        raise too_deep(path, exc) from None
    return TargetModule(
        path=path, module=module_name(path, project_dir), project_dir=project_dir, source=source
    )
