"""A project's own Regoose rules: ``.regooseignore`` and ``[tool.regoose]``.

``.regooseignore`` (gitignore syntax, matched with ``pathspec``) and the
``ignore`` list of ``[tool.regoose]`` name paths no agent or tool may read or
write: the filesystem tool refuses them, target selection says so in one line,
and the sandbox masks them. ``[tool.regoose]`` lives in ``pyproject.toml`` or in
``regoose.toml`` (which wins, key by key) and also holds extra ``instructions``
for the generator (they go into the model's prompts) and the project's default
``provider``, ``runtime`` and ``strategy`` (under flags, the environment and the
``[provider]`` / ``[runtime]`` sections of regoose.toml).

    [tool.regoose]
    provider = "offline"
    runtime = "bwrap"
    strategy = "hybrid"
    instructions = "Use the fixtures in tests/conftest.py; money is Decimal."
    ignore = ["secrets/", "*.pem"]
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from regoose_tui.errors import ConfigError, PathIgnored

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE = ".regooseignore"
PYPROJECT = "pyproject.toml"
REGOOSE_TOML = "regoose.toml"
#: Files that mark a project's root when walking up from a target.
ROOT_MARKERS = (PYPROJECT, "setup.cfg", "setup.py", REGOOSE_TOML, IGNORE_FILE, ".git")
#: Folders never walked for ignored paths to mask (large, and never the project's code).
_SKIP_WALK = frozenset({".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox"})
#: At most this many ignored paths are masked in a sandbox (a pattern matching more
#: than this is almost certainly a folder, masked whole).
MAX_MASKS = 500


class RegooseTable(BaseModel):
    """``[tool.regoose]`` as written; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str | None = None
    runtime: Literal["auto", "docker", "podman", "bwrap", "local"] | None = None
    strategy: Literal["offline", "llm", "hybrid"] | None = None
    instructions: str = ""
    ignore: list[str] = []


@dataclass(frozen=True)
class IgnoreRules:
    """Gitignore-style patterns anchored at a project root."""

    root: Path
    patterns: tuple[str, ...] = ()
    _spec: pathspec.PathSpec | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Resolved once: matches compare resolved paths, so /tmp vs /private/tmp cannot differ.
        object.__setattr__(self, "root", Path(os.path.realpath(self.root)))
        spec = None
        if self.patterns:
            # Imported only for a project with rules: pathspec costs ~50 ms at start-up.
            import pathspec

            spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        object.__setattr__(self, "_spec", spec)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, path: Path | str) -> str | None:
        """The pattern that excludes ``path`` (absolute, or relative to the root), or None.

        A path inside an excluded folder is excluded; a path outside the root never is.
        The path is resolved first, so a symlink cannot dodge the rule.
        """
        if self._spec is None:
            return None
        absolute = Path(path) if Path(path).is_absolute() else self.root / path
        try:
            relative = Path(os.path.realpath(absolute)).relative_to(self.root)
        except ValueError:
            return None
        parts = relative.parts
        for depth in range(1, len(parts) + 1):
            candidate = "/".join(parts[:depth])
            is_dir = depth < len(parts) or (self.root / relative).is_dir()
            result = self._spec.check_file(candidate + ("/" if is_dir else ""))
            if result.include and result.index is not None:
                return self.patterns[result.index]
        return None

    def check(self, path: Path | str, shown: str | None = None) -> None:
        """Raise PathIgnored (one line, naming the rule) when ``path`` is excluded."""
        pattern = self.match(path)
        if pattern is not None:
            raise PathIgnored(
                f"{shown or path} is excluded by the project's ignore rules "
                f"({pattern!r} in {IGNORE_FILE} or [tool.regoose] ignore): Regoose never "
                "reads or writes it"
            )

    def existing(self, limit: int = MAX_MASKS) -> list[Path]:
        """The existing paths under the root that are excluded (a folder stands for its tree)."""
        found: list[Path] = []
        if not self.patterns:
            return found
        for folder, dirs, files in os.walk(self.root):
            base = Path(folder)
            kept = []
            for name in sorted(dirs):
                if name in _SKIP_WALK:
                    continue
                if self.match(base / name) is not None:
                    found.append(base / name)
                else:
                    kept.append(name)
            dirs[:] = kept
            found += [base / name for name in sorted(files) if self.match(base / name)]
            if len(found) >= limit:
                return found[:limit]
        return found


@dataclass(frozen=True)
class ProjectConfig:
    """The project's rules, merged from every place they may be written."""

    root: Path
    ignore: IgnoreRules
    instructions: str = ""
    provider: str | None = None
    runtime: str | None = None
    strategy: str | None = None
    #: The files the rules came from, for `regoose config`.
    sources: tuple[Path, ...] = ()


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding a project marker (else ``start``)."""
    start = Path(os.path.realpath(start))
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def _table(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None  # absent, or a folder by that name: nothing to read (as config.py does)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    tool = data.get("tool")
    table = tool.get("regoose") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.regoose] must be a table")
    return table


def _parse(path: Path, table: dict[str, Any]) -> RegooseTable:
    try:
        return RegooseTable.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: [tool.regoose] {where}: {first['msg']}") from None


def _ignore_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    # Comments and blank lines go to pathspec too (it skips them): indexes stay line-true.
    return [line for line in text.splitlines() if line.strip()]


def load_project_config(root: Path) -> ProjectConfig:
    """Read ``.regooseignore`` and ``[tool.regoose]`` of the project at ``root`` (blocking).

    regoose.toml's table wins over pyproject.toml's key by key; the ignore
    patterns of all three places add up. A bad value is one ConfigError line.
    """
    root = Path(os.path.realpath(root))
    merged: dict[str, Any] = {}
    patterns: list[str] = []
    sources: list[Path] = []
    for name in (PYPROJECT, REGOOSE_TOML):
        path = root / name
        table = _table(path)
        if table is None:
            continue
        parsed = _parse(path, table)
        sources.append(path)
        patterns += parsed.ignore
        merged.update(parsed.model_dump(exclude_unset=True, exclude={"ignore"}))
    ignore_file = root / IGNORE_FILE
    lines = _ignore_lines(ignore_file)
    if ignore_file.is_file():
        sources.append(ignore_file)
    patterns += lines
    return ProjectConfig(
        root=root,
        ignore=IgnoreRules(root, tuple(patterns)),
        instructions=str(merged.get("instructions") or "").strip(),
        provider=merged.get("provider"),
        runtime=merged.get("runtime"),
        strategy=merged.get("strategy"),
        sources=tuple(sources),
    )


def apply_project_defaults(settings: Any, project: Path) -> Any:
    """Fill provider, runtime and strategy from ``[tool.regoose]`` where no source set them.

    Flags, the environment, .env and regoose.toml's sections all win: a field
    any of them set is in its section's ``model_fields_set``.
    """
    config = load_project_config(project)
    if config.provider and "name" not in settings.provider.model_fields_set:
        settings.provider.name = config.provider
    if config.strategy and "strategy" not in settings.provider.model_fields_set:
        settings.provider.strategy = config.strategy
    if config.runtime and "name" not in settings.runtime.model_fields_set:
        settings.runtime.name = config.runtime
    return settings
