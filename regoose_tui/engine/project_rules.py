"""The project's own rules for one generation: what it may not touch, what it asks for.

Loaded once per generation from the target's project root (``.regooseignore``,
``[tool.regoose]``): an ignored target is refused in one line before any work,
the sandbox masks every ignored path, the reporter's filesystem tool refuses
them, and the instructions go to the provider with every request.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from regoose_tui.domain.layout import detect_layout
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.project_config import ProjectConfig, find_project_root, load_project_config


def _load(options: GenerateOptions) -> tuple[ProjectConfig, tuple[Path, ...]]:
    layout = detect_layout(options.target, options.project)
    config = load_project_config(layout.root)
    config.ignore.check(Path(options.target).expanduser().resolve(), shown=str(options.target))
    return config, tuple(config.ignore.existing())


async def project_rules(options: GenerateOptions) -> tuple[ProjectConfig, tuple[Path, ...]]:
    """The project's config and the existing ignored paths; PathIgnored for the target."""
    return await asyncio.to_thread(_load, options)


def rules_for(path: Path) -> ProjectConfig:
    """The rules of the project ``path`` is in (for writes outside a generation; blocking)."""
    return load_project_config(find_project_root(path))
