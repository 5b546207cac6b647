"""How a path is shown to a person: relative to the project inside it, absolute outside.

One rule for every face (CLI, chat, log, reports), so the same file reads the
same everywhere and a shown path can be pasted into a shell at the project
root. Pure string work: nothing here touches the disk, so it is safe on the
event loop.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

#: ``path/to/file.py:12`` at the start of a traceback line (pytest's short frames).
_FRAME = re.compile(r"^(?P<indent>\s*)(?P<file>[^\s:]+\.py)(?P<rest>:\d+)", re.MULTILINE)


def _absolute(path: str | Path) -> Path:
    # normpath, not resolve: no disk access, and ``..`` parts fold the same way.
    return Path(os.path.normpath(os.path.abspath(os.fspath(path))))


def shown_path(path: str | Path, project_dir: str | Path | None) -> str:
    """``path`` relative to ``project_dir`` (POSIX) when inside it, else absolute.

    A path that is relative already is shown as given: it is relative to a
    folder the caller chose, and guessing the current directory would be wrong.
    """
    if not os.path.isabs(os.fspath(path)):
        return Path(path).as_posix()
    absolute = _absolute(path)
    if project_dir:
        try:
            relative = absolute.relative_to(_absolute(project_dir))
        except ValueError:
            return str(absolute)
        return relative.as_posix() or "."
    return str(absolute)


def shown_paths(paths: str, project_dir: str | Path | None) -> str:
    """Each space-separated path of ``paths`` shown by :func:`shown_path`."""
    return " ".join(shown_path(part, project_dir) for part in paths.split(" ") if part)


def rebase_frame(frame_file: str, project_dir: str | Path) -> str:
    """A traceback's file name, as pytest printed it from some other folder, shown.

    A sandboxed run prints paths relative to its own working folder
    (``../newbie/examples/tests/test_x.py``); the project's own trailing
    folders in that path tell where the project part starts, so the result is
    ``tests/test_x.py``. Absolute paths go through :func:`shown_path`; a path
    that names no part of the project stays as printed.
    """
    if os.path.isabs(frame_file):
        return shown_path(frame_file, project_dir)
    parts = [p for p in PurePosixPath(frame_file.replace("\\", "/")).parts if p not in (".", "..")]
    project_parts = _absolute(project_dir).parts[1:]
    # The longest tail of the project's folders that appears in the frame path.
    for size in range(len(project_parts), 0, -1):
        tail = list(project_parts[-size:])
        for start in range(len(parts) - size, -1, -1):
            if parts[start : start + size] == tail and start + size < len(parts):
                return PurePosixPath(*parts[start + size :]).as_posix()
    return frame_file


def rebase_frames(text: str, project_dir: str | Path | None) -> str:
    """``text`` with each ``file.py:LINE`` frame at a line start shown by :func:`rebase_frame`."""
    if not text or project_dir is None:
        return text
    return _FRAME.sub(
        lambda m: m["indent"] + rebase_frame(m["file"], project_dir) + m["rest"], text
    )
