"""CommandSuggester: completes slash commands and, after some, project paths."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from textual.suggester import Suggester

DEFAULT_COMMANDS: tuple[str, ...] = (
    "/generate",
    "/run",
    "/explain",
    "/provider",
    "/runtime",
    "/sessions",
    "/export",
    "/help",
)
PATH_COMMANDS: frozenset[str] = frozenset({"/generate", "/run"})
"""Commands whose arguments are paths in the project."""
SKIPPED_DIRS: frozenset[str] = frozenset(
    {"__pycache__", "node_modules", "venv", "build", "dist", "site-packages"}
)


def scan_paths(root: Path, limit: int = 5_000) -> list[str]:
    """Python files and folders under `root` as sorted relative POSIX paths (folders end in '/').

    Hidden folders, virtualenvs and caches are skipped; at most `limit` entries.
    """
    found: list[str] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            name for name in dirnames if not name.startswith(".") and name not in SKIPPED_DIRS
        )
        relative = Path(folder).relative_to(root)
        prefix = "" if relative == Path(".") else f"{relative.as_posix()}/"
        found.extend(f"{prefix}{name}/" for name in dirnames)
        found.extend(f"{prefix}{name}" for name in filenames if name.endswith(".py"))
        if len(found) >= limit:
            break
    return sorted(found[:limit])


class CommandSuggester(Suggester):
    """Suggest the first command, or path, that extends what was typed.

    Paths come from a given list, or from scanning `root` once in a thread the
    first time a path is needed, so typing never waits on the disk.
    """

    def __init__(
        self,
        commands: Sequence[str] = DEFAULT_COMMANDS,
        *,
        paths: Sequence[str] | None = None,
        root: Path | None = None,
    ) -> None:
        """Complete `commands`; complete paths from `paths`, else from `root` if given."""
        super().__init__(use_cache=False, case_sensitive=True)
        self.commands = tuple(commands)
        self.root = root
        self._paths: list[str] | None = sorted(paths) if paths is not None else None
        self._scan_lock = asyncio.Lock()

    async def paths(self) -> list[str]:
        """The candidate paths, scanning `root` on first use."""
        if self._paths is None:
            async with self._scan_lock:
                if self._paths is None:
                    self._paths = (
                        await asyncio.to_thread(scan_paths, self.root) if self.root else []
                    )
        return self._paths

    async def get_suggestion(self, value: str) -> str | None:
        """The completed input, or None when nothing extends `value`."""
        if not value.startswith("/"):
            return None
        command, space, argument = value.partition(" ")
        if not space:
            return next(
                (name for name in self.commands if name.startswith(command) and name != command),
                None,
            )
        if command not in PATH_COMMANDS or argument.endswith(" "):
            return None
        head, _, partial = argument.rpartition(" ")
        for path in await self.paths():
            if path.startswith(partial) and path != partial:
                kept = f"{head} " if head else ""
                return f"{command} {kept}{path}"
        return None
