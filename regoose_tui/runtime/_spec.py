"""Checks every runtime makes on a ``RunSpec`` before starting anything."""

from __future__ import annotations

from regoose_tui.errors import SandboxError
from regoose_tui.runtime.base import RunSpec


def check_spec(spec: RunSpec, *, overlays: bool = False) -> None:
    """Refuse a spec no backend can run, with a one-line reason.

    ``overlays``: the backend can put a file in place of a project file.
    """
    if spec.overlays and not overlays:
        raise SandboxError("this sandbox cannot show a file in place of a project file")
    for source, target in spec.overlays:
        if not source.is_absolute() or not source.is_file() or source.is_symlink():
            raise SandboxError(f"overlay {source}: not a regular file given by absolute path")
        shown = (spec.project_dir, *spec.read_only_paths)
        if not target.is_absolute() or not any(target.is_relative_to(root) for root in shown):
            raise SandboxError(f"overlay {target}: not a path the sandbox shows from the project")
        if not target.is_file():
            raise SandboxError(f"overlay {target}: the project has no such file to replace")
    if not spec.argv:
        raise SandboxError("nothing to run: the command is empty")
    if not spec.work_dir.is_absolute() or not spec.project_dir.is_absolute():
        raise SandboxError(
            f"sandbox folders must be absolute paths: {spec.work_dir}, {spec.project_dir}"
        )
    if not spec.work_dir.is_dir():
        raise SandboxError(f"work folder does not exist: {spec.work_dir}")
    if not spec.project_dir.is_dir():
        raise SandboxError(f"project folder does not exist: {spec.project_dir}")
    if spec.limits.wall_seconds <= 0:
        raise SandboxError(f"wall-clock limit must be positive, got {spec.limits.wall_seconds}")
