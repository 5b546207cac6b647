"""Resolve and vet a target file: every bad input becomes one clear InputError.

Nothing here writes anything. Checks run in the order a user would want to
hear about them: the path, the project, the bytes, the encoding, the syntax.
Whether the module imports is checked later, in the sandbox, once (domain/import_check.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.domain.layout import detect_layout, import_root_of
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
    #: The import root (``src/`` in a src layout): on ``sys.path`` when tests run.
    project_dir: Path
    source: str
    #: Where the project's own pytest runs (pyproject.toml, tests/ beside ``src/``);
    #: None means the import root, as for a folder with no project files.
    root: Path | None = None
    #: Where the generated test file goes, once the engine has chosen it (None before).
    out_path: Path | None = None

    @property
    def test_root(self) -> Path:
        """The folder test node ids are relative to (``python -m pytest`` runs there)."""
        return self.root or self.project_dir


#: Larger files are not source a person wrote; they would also blow any prompt.
MAX_TARGET_BYTES = 1_000_000


def find_project_root(target: Path) -> Path:
    """The import root: the first folder above the target's package chain.

    Kept for callers that want the bare ``__init__.py`` walk; ``project_root``
    also knows ``src/`` layouts (a namespace package under ``src/``).
    """
    return import_root_of(target)


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
    return detect_layout(target).import_root


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
    if project is not None and not Path(project).expanduser().is_dir():
        raise TargetNotFound(f"{Path(project).expanduser()}: project folder does not exist")
    layout = detect_layout(path, project)
    project_dir = layout.import_root
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
        path=path,
        module=module_name(path, project_dir),
        project_dir=project_dir,
        source=source,
        root=layout.root,
    )
