"""A test's one identity: the pytest node id of the file as written, from the project root.

Sandboxed runs name tests by the temporary folder they ran in
(``/tmp/regoose-session-x/iteration1/check1/test_m.py::test_a``), which is gone
when the run ends and differs on every run. Records, events and reports name
a test by where its file lives (or will live) instead: ``tests/test_m.py::test_a``
relative to the project root, so ``python -m pytest NODEID`` runs it from
there and CI test history sees the same test across runs.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.domain.display import shown_path

#: The name the validator gives a candidate dropped as a whole (it did not collect).
MODULE = "<module>"


def name_in_file(nodeid: str) -> str:
    """What follows the file in a node id (``Cls::test_x[a]``); empty for a file alone."""
    _, sep, rest = nodeid.partition("::")
    if nodeid == MODULE:
        return ""
    if not sep:
        # A suite name with no file part (``test_x``) vs. a file id (``dir/test_m.py``).
        return "" if nodeid.endswith(".py") else nodeid
    return rest


def project_node_id(test_file: Path, project_dir: Path, name: str) -> str:
    """``tests/test_m.py::name`` for ``test_file`` in ``project_dir`` (absolute when outside)."""
    file_part = shown_path(test_file, project_dir)
    return f"{file_part}::{name}" if name else file_part


def rebase_node_id(nodeid: str, test_file: Path, project_dir: Path) -> str:
    """A node id of a copy of ``test_file`` (a sandbox run's) renamed after the real file."""
    return project_node_id(test_file, project_dir, name_in_file(nodeid))
