"""Stage Regoose's keep-rule pytest plugin where a sandbox can import it, read-only.

The plugin (runtime/keep_plugin.py) is copied once per content into the
user cache as ``regoose_keep_plugin.py``, in a folder of its own, atomically
(a rename), like the pytest/coverage shim of python_env. A run that wants
the keep rule puts that folder on PYTHONPATH, binds it read-only and loads
the plugin with ``-p regoose_keep_plugin``.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from pathlib import Path

import platformdirs

#: The module name the sandboxed pytest loads the plugin by.
PLUGIN_MODULE = "regoose_keep_plugin"
#: Where the plugin writes the session's coverage JSON (keep_plugin.COVERAGE_JSON_ENV,
#: spelled there too: the plugin imports nothing of Regoose).
COVERAGE_JSON_ENV = "REGOOSE_COVERAGE_JSON"


def plugin_source() -> str:
    """The plugin's text, as shipped in the package."""
    return Path(__file__).with_name("keep_plugin.py").read_text(encoding="utf-8")


@functools.cache
def keep_plugin_dir() -> Path:
    """The folder holding ``regoose_keep_plugin.py`` (blocking: call it in a thread)."""
    text = plugin_source()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = Path(platformdirs.user_cache_dir("regoose")) / "python-shims"
    target = root / f"keep-plugin-{digest}"
    if (target / f"{PLUGIN_MODULE}.py").is_file():
        _readable_by_all(target)
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    (staging / f"{PLUGIN_MODULE}.py").write_text(text, encoding="utf-8")
    _readable_by_all(staging)
    try:
        staging.rename(target)
    except OSError:
        # Another process won the race; its copy has the same content (same digest).
        (staging / f"{PLUGIN_MODULE}.py").unlink()
        staging.rmdir()
    return target


def _readable_by_all(folder: Path) -> None:
    """Let a container's sandbox user (``nobody`` when Regoose runs as root) load the plugin.

    mkdtemp makes the folder 0700, and a copy staged by an older Regoose may be
    so too. The plugin is Regoose's own code, nothing secret; writable stays ours.
    """
    folder.chmod(0o755)
    (folder / f"{PLUGIN_MODULE}.py").chmod(0o644)
