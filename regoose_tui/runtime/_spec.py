"""Checks every runtime makes on a ``RunSpec`` before starting anything."""

from __future__ import annotations

from regoose_tui.errors import SandboxError
from regoose_tui.runtime.base import RunSpec


def check_spec(spec: RunSpec) -> None:
    """Refuse a spec no backend can run, with a one-line reason."""
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
