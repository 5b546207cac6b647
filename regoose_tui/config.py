"""Regoose settings: one pydantic-settings model with a section per area.

Sources, highest priority first: explicit overrides (CLI options, the
settings screen) > environment ``REGOOSE_*`` (nested with ``__``, e.g.
``REGOOSE_PROVIDER__MODEL``) > ``.env`` in the project > ``regoose.toml`` in
the project (or the file named by ``REGOOSE_CONFIG_FILE``) > defaults.
API keys come from the environment or ``.env`` only: they are refused in
``regoose.toml``, never written by ``config_file.save_settings`` and shown masked.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from regoose_tui.config_docs import docstrings_as_descriptions
from regoose_tui.config_errors import config_error, parse_error
from regoose_tui.errors import ConfigError
from regoose_tui.runtime.base import Limits

ENV_PREFIX = "REGOOSE_"
CONFIG_FILE_ENV = "REGOOSE_CONFIG_FILE"
TOML_NAME = "regoose.toml"
DOTENV_NAME = ".env"
API_KEY_ENV = "REGOOSE_PROVIDER__API_KEY"

#: Field docstrings become descriptions through config_docs.py, not pydantic's
#: use_attribute_docstrings (which costs ~50 ms at every start).
_SECTION = ConfigDict(extra="forbid", validate_assignment=True)


class ProviderSettings(BaseModel):
    """Which provider writes the tests, and how it is called."""

    model_config = _SECTION

    name: str = "offline"
    """"offline" (embedded, no network) or a LiteLLM model string such as "openai/gpt-4o-mini"."""
    model: str | None = None
    """LiteLLM model string for when ``name`` names a kind rather than a model."""
    api_base: str | None = None
    """Base URL of an OpenAI-compatible endpoint (optional)."""
    api_key: SecretStr | None = None
    """API key; set it in the environment or .env, never in regoose.toml."""
    fallbacks: list[str] = Field(default_factory=list)
    """Model strings tried in order when the main model keeps failing."""
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    """Time limit of one provider request."""
    max_retries: int = Field(default=3, ge=0, le=10)
    """Retries with backoff on rate limits, 5xx and timeouts."""
    strategy: Literal["offline", "llm", "hybrid"] | None = None
    """Who writes the tests: unset means "hybrid" with a model and "offline" without."""

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


AutoRuntime = Literal["docker", "podman", "bwrap"]
_AUTO_ORDER: tuple[AutoRuntime, ...] = ("docker", "podman", "bwrap")


class RuntimeSettings(BaseModel):
    """Where generated tests run, and with which limits."""

    model_config = _SECTION

    name: Literal["auto", "docker", "podman", "bwrap", "local"] = "auto"
    """Sandbox backend; "auto" picks the most isolated one available."""
    image: str = "regoose-sandbox:latest"
    """Container image for docker/podman (`regoose sandbox build` makes it)."""
    memory_mb: int = Field(default=2048, ge=64, le=1024 * 1024)
    """Memory limit of one sandboxed run, in MiB."""
    cpus: float = Field(default=2.0, gt=0, le=256)
    """CPU limit of a container run."""
    pids_limit: int = Field(default=1024, ge=16, le=1_000_000)
    """Most processes/threads one run may have."""
    timeout_seconds: float = Field(default=120.0, gt=0, le=24 * 3600)
    """Wall-clock limit of one run; the run is killed past it."""
    tmpfs_mb: int = Field(default=256, ge=1, le=1024 * 1024)
    """Size cap of each private tmpfs of a sandboxed run (/tmp, /dev/shm, $HOME), in MiB."""
    output_mb: int = Field(default=16, ge=1, le=64 * 1024)
    """Output one run may stream (live log and store) before the rest is cut, in MiB."""
    allow_unisolated: bool = False
    """Let "auto" fall back to the NOT isolated local runtime when no sandbox works."""
    auto_order: list[AutoRuntime] = Field(default_factory=lambda: list(_AUTO_ORDER))
    """The isolating backends "auto" tries, first usable wins."""
    pool_size: int = Field(default=2, ge=0, le=64)
    """Warm containers kept per engine for docker/podman runs (0: a fresh one per run)."""
    docker_host: str | None = None
    """Docker engine URL (default: DOCKER_HOST, then /var/run/docker.sock)."""
    podman_host: str | None = None
    """Podman service URL (default: CONTAINER_HOST, then the usual podman.sock paths)."""

    def limits(self) -> Limits:
        """These settings as the runtime's :class:`Limits` (a ceiling for every run)."""
        return Limits(
            wall_seconds=self.timeout_seconds,
            memory_bytes=self.memory_mb * 1024**2,
            nproc=self.pids_limit,
            cpus=self.cpus,
            tmpfs_bytes=self.tmpfs_mb * 1024**2,
            output_bytes=self.output_mb * 1024**2,
        )


class GenerateSettings(BaseModel):
    """How a generation runs."""

    model_config = _SECTION

    iterations: int = Field(default=3, ge=1, le=20)
    """Most generate -> run -> repair rounds per target."""
    budget_seconds: float = Field(default=120.0, gt=0, le=24 * 3600)
    """Time budget of one generation, all rounds included."""
    out_dir: str | None = None
    """Where tests are written, relative to the project (default: tests/)."""
    force: bool = False
    """Overwrite test files that Regoose did not write."""
    apply_without_review: bool = False
    """The app writes a generated suite into the project at once instead of staging it
    for the review screen (the CLI's ``--apply``)."""


class UISettings(BaseModel):
    """Look and feel of the terminal app."""

    model_config = _SECTION

    theme: str = "textual-dark"
    """Textual theme name."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> keys (comma-separated), passed to App.set_keymap."""
    log_max_lines: int = Field(default=200_000, ge=1000, le=10_000_000)
    """Lines the live log keeps before dropping the oldest."""
    log_per_session: Literal["keep", "clear"] = "keep"
    """Whether the live log keeps earlier sessions' output or starts empty for each."""


# The TOML file of the load in progress, boxed so "no file" (None,) differs
# from "not loading through load_settings" (None); settings_customise_sources
# reads it because pydantic-settings gives sources no per-call arguments.
_toml_file: ContextVar[tuple[Path | None] | None] = ContextVar("regoose_toml_file", default=None)


class Settings(BaseSettings):
    """The effective configuration of one Regoose project."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=DOTENV_NAME,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        # Unknown keys in sections are errors (extra="forbid" there); at the top
        # level .env may hold other tools' variables, so load_settings checks
        # TOML and override keys itself.
        extra="ignore",
        validate_assignment=True,
    )

    provider: ProviderSettings = Field(default_factory=ProviderSettings)
    """Which provider writes the tests."""
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    """Where the tests run."""
    generate: GenerateSettings = Field(default_factory=GenerateSettings)
    """How a generation runs."""
    ui: UISettings = Field(default_factory=UISettings)
    """The terminal app."""
    data_dir: Path | None = None
    """Where the session store lives (default: the user data dir)."""

    _files_read: tuple[Path, ...] = PrivateAttr(default=())

    @property
    def files_read(self) -> tuple[Path, ...]:
        """The .env and TOML files :func:`load_settings` read, for `regoose config`."""
        return self._files_read

    @field_validator("data_dir")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    def resolved_data_dir(self) -> Path:
        """``data_dir``, or the platform's user data dir for Regoose."""
        return self.data_dir or platformdirs.user_data_path("regoose", appauthor=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        boxed = _toml_file.get()
        toml_file = boxed[0] if boxed is not None else find_config_file(Path.cwd())
        for source in (env_settings, dotenv_settings):
            _apply_shortcuts(source)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


# The help text of every setting (the docstrings under the fields above).
docstrings_as_descriptions(
    __file__, ProviderSettings, RuntimeSettings, GenerateSettings, UISettings, Settings
)

#: Short variables for the common case, beside the nested ``REGOOSE_PROVIDER__*`` ones.
_SHORTCUTS = {
    "regoose_provider": "regoose_provider__name",
    "regoose_api_base": "regoose_provider__api_base",
    "regoose_strategy": "regoose_provider__strategy",
}


def _apply_shortcuts(source: PydanticBaseSettingsSource) -> None:
    """Let ``REGOOSE_PROVIDER=openai/gpt-4o-mini`` and ``REGOOSE_API_BASE=...`` work.

    pydantic-settings would read ``REGOOSE_PROVIDER`` as the JSON of the whole
    section; a plain model string is rewritten to the nested name instead (a
    JSON object is left alone). The nested variable wins when both are set.
    """
    env_vars = getattr(source, "env_vars", None)
    if not isinstance(env_vars, Mapping):
        return
    rewritten = dict(env_vars)
    for short, nested in _SHORTCUTS.items():
        value = rewritten.get(short)
        if value is None or value.lstrip().startswith("{"):
            continue
        del rewritten[short]
        rewritten.setdefault(nested, value)
    source.env_vars = rewritten  # type: ignore[attr-defined]  # EnvSettingsSource's loaded mapping


def find_config_file(project_dir: Path) -> Path | None:
    """The TOML file to read: ``$REGOOSE_CONFIG_FILE`` or ``regoose.toml`` in the project."""
    named = os.environ.get(CONFIG_FILE_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_FILE_ENV} names {path}, which is not a file")
        return path
    candidate = project_dir / TOML_NAME
    return candidate if candidate.is_file() else None


@contextmanager
def _reading_toml(path: Path | None) -> Iterator[None]:
    token = _toml_file.set((path,))
    try:
        yield
    finally:
        _toml_file.reset(token)


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse the TOML file and refuse what must not be in it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    for key in data:
        # [tool.regoose] (ignore rules, instructions, defaults) is project_config's to read.
        if key not in Settings.model_fields and key != "tool":
            raise ConfigError(f"{path}: unknown setting {key!r}")
    provider = data.get("provider")
    if isinstance(provider, dict) and "api_key" in provider:
        raise ConfigError(
            f"{path}: provider.api_key does not belong in a file that may be committed; "
            f"set {API_KEY_ENV} in the environment or .env"
        )
    return data


def _expand_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``provider__model="x"`` keys into nested dicts; drop None (option not given)."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = key.split("__")
        if (parents[0] if parents else leaf) not in Settings.model_fields:
            raise ConfigError(f"unknown setting {key.replace('__', '.')!r}")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        if isinstance(value, Mapping) and isinstance(target.get(leaf), dict):
            target[leaf].update(value)
        else:
            target[leaf] = dict(value) if isinstance(value, Mapping) else value
    return nested


def load_settings(project_dir: Path | None = None, **overrides: Any) -> Settings:
    """Load the effective settings of the project in ``project_dir`` (default: cwd).

    ``overrides`` win over every other source. Keys are top-level fields
    (``data_dir``), sections as dicts (``provider={"model": ...}``) or paths
    with ``__`` (``provider__model=...``); None values are skipped, so CLI
    options that were not given can be passed as they are. Raises
    ConfigError with one line naming the field and its source.
    """
    project = (project_dir or Path.cwd()).resolve()
    nested = _expand_overrides(overrides)
    toml_path = find_config_file(project)
    toml_data = _read_toml(toml_path) if toml_path is not None else {}
    dotenv_path = project / DOTENV_NAME
    try:
        with _reading_toml(toml_path):
            settings = Settings(_env_file=dotenv_path, **nested)
    except ValidationError as exc:
        raise config_error(ENV_PREFIX, exc, nested, dotenv_path, toml_path, toml_data) from None
    except SettingsError as exc:
        # e.g. a list in REGOOSE_PROVIDER__FALLBACKS that is not valid JSON
        raise parse_error(ENV_PREFIX, exc, dotenv_path) from None
    files = [dotenv_path] if dotenv_path.is_file() else []
    settings._files_read = (*files, *([toml_path] if toml_path is not None else []))
    from regoose_tui.project_config import apply_project_defaults

    return apply_project_defaults(settings, project)


def update_settings(settings: Settings, **changes: Any) -> Settings:
    """A validated copy of ``settings`` with ``changes`` (same keys as overrides).

    No source is read again: this is what the settings screen calls before
    :func:`save_settings`. Raises ConfigError on an invalid value.
    """
    nested = _expand_overrides(changes)
    data = settings_as_dict(settings, masked=False)
    for section, value in nested.items():
        if isinstance(value, dict) and isinstance(data.get(section), dict):
            data[section].update(value)
        else:
            data[section] = value
    try:
        updated = Settings.model_validate(data)
    except ValidationError as exc:
        raise config_error(ENV_PREFIX, exc, nested, None, None, {}) from None
    updated._files_read = settings.files_read
    return updated


def mask_secret(secret: SecretStr | str | None) -> str | None:
    """Show that a secret is set without showing it: last 4 chars of long keys only."""
    if secret is None:
        return None
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if len(value) >= 12:
        return "********" + value[-4:]
    return "<set>"


def settings_as_dict(settings: Settings, *, masked: bool = True) -> dict[str, Any]:
    """The settings as JSON-compatible data; the API key masked unless ``masked=False``."""
    data = settings.model_dump(mode="json")
    key = settings.provider.api_key
    if masked:
        data["provider"]["api_key"] = mask_secret(key)
    else:
        data["provider"]["api_key"] = key.get_secret_value() if key is not None else None
    return data
