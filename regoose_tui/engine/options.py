"""What a user asks of one generation, validated at the edge (CLI, chat, app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class GenerateOptions(BaseModel):
    """Options of `regoose generate` and of `/generate` in the app."""

    model_config = ConfigDict(frozen=True)

    target: Path
    project: Path | None = None
    provider: str = "offline"
    runtime: str = "auto"
    out_dir: Path | None = None
    iterations: int = Field(default=3, ge=1, le=20)
    budget_seconds: float = Field(default=120.0, gt=0)
    report: Path | None = None
    force: bool = False
    #: False leaves the user's tree alone: the outcome carries the suite and the
    #: path it would go to, and the caller writes it when the user accepts it.
    write_files: bool = True
