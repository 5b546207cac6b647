"""Where the session store lives: the user data dir, or ``REGOOSE_DATA_DIR``."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Environment variable naming a directory that replaces the user data dir
#: (tests, CI and portable installs point it at their own folder).
DATA_DIR_ENV = "REGOOSE_DATA_DIR"

#: File name of the SQLite database inside the data dir.
DATABASE_NAME = "sessions.db"


def data_dir() -> Path:
    """Return Regoose's data directory (not created here)."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("regoose"))


def database_path() -> Path:
    """Return the path of the session database inside :func:`data_dir`."""
    return data_dir() / DATABASE_NAME
