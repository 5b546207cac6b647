"""What a user asks of one generation, validated at the edge (CLI, chat, app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from regoose_tui.config import ProviderSettings


class GenerateOptions(BaseModel):
    """Options of `regoose generate` and of `/generate` in the app."""

    model_config = ConfigDict(frozen=True)

    target: Path
    project: Path | None = None
    provider: str = "offline"
    #: How the provider is called (API base, fallbacks, strategy, key); None: defaults.
    #: The key stays a SecretStr: it never shows in a repr, a log line or the store.
    provider_settings: ProviderSettings | None = None
    #: A cassette to write every model call to, or to answer them from (no model, no cost).
    #: Session options, not settings: a cassette belongs to one run, never to regoose.toml.
    record: Path | None = None
    replay: Path | None = None
    runtime: str = "auto"
    #: ``--python``: the interpreter (or virtualenv folder) that runs the project's code;
    #: None looks for the project's .venv/venv, then VIRTUAL_ENV, then Regoose's own.
    python: Path | None = None
    out_dir: Path | None = None
    iterations: int = Field(default=3, ge=1, le=20)
    budget_seconds: float = Field(default=120.0, gt=0)
    #: When the user's clock started (time.monotonic(); the CLI passes its own start,
    #: regoose_tui.STARTED): the budget counts from there. None: from the session's start.
    started_at: float | None = None
    #: Stop before a model call would take the session's cost past this (USD); None: no cap.
    max_cost_usd: float | None = Field(default=None, gt=0)
    #: Stop after this many rounds in a row that added no coverage; None: the
    #: provider's own (``Provider.flat_rounds_to_stop``: 1 offline, 2 with a model).
    plateau: int | None = Field(default=None, ge=1, le=20)
    #: ``--repairs``: times a failing test goes back to the model before it is dropped.
    repairs: int = Field(default=2, ge=0, le=10)
    report: Path | None = None
    #: ``--only`` (or what ``--diff`` found): the functions and methods tests are for;
    #: empty means the whole module.
    only: tuple[str, ...] = ()
    force: bool = False
    #: --seed N: two offline runs with one seed write byte-identical files; it also
    #: seeds the keep rule's random test order (None: 0, same order, same verdicts).
    seed: int | None = Field(default=None, ge=0)
    #: False leaves the user's tree alone: the outcome carries the suite and the
    #: path it would go to, and the caller writes it when the user accepts it.
    write_files: bool = True
    #: New tests go into the project's own test file for the module (its
    #: ``tests/test_<module>.py``, or the one file that imports it) as new classes,
    #: instead of a second file beside it; ``--out`` still writes a separate file.
    into_existing: bool = False
