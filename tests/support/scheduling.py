"""How the suite's tests are laid out on pytest-xdist workers (`make test`: -n, loadgroup).

Three rules, applied by tests/conftest.py at collection:

- The tests marked ``containers`` run on one worker, one after another: a Regoose
  process's first contact with an engine sweeps the containers of dead owners, so
  a test that kills a Regoose on purpose and then looks at what it left would race
  another worker's sweep.
- Tests sharing a module-scoped fixture that builds files (a whole generation, a
  wheel and its venv, a real repository) run on one worker: each worker would
  otherwise build that fixture again for itself.
- Under xdist, the whole-run tests (e2e, escape, packaging, ``slow``) are handed
  out first: one of them started last, on an otherwise idle machine, is what
  makes a run long. Within a module the order stays as written.
"""

from __future__ import annotations

import os

import pytest

#: Folders whose tests each run whole `regoose` commands (seconds to minutes apiece).
WHOLE_RUN_FOLDERS = ("tests/e2e/", "tests/escape/", "tests/packaging/")


def builds_once_per_module(item: pytest.Item) -> bool:
    """True when ``item`` uses a module-scoped fixture that makes files (it asks for tmp_path_factory)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if defs and defs[-1].scope == "module" and "tmp_path_factory" in defs[-1].argnames:
            return True
    return False


def group_container_tests(items: list[pytest.Item]) -> None:
    """Put every ``containers`` test in one xdist_group, so no two of them overlap."""
    for item in items:
        if item.get_closest_marker("containers") is not None:
            item.add_marker(pytest.mark.xdist_group("containers"))


def group_module_fixtures(items: list[pytest.Item]) -> None:
    """Mark the tests of such a module with one xdist_group (its file), unless grouped already."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None and builds_once_per_module(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def is_whole_run(item: pytest.Item) -> bool:
    """A test that runs whole commands: by its folder, or marked ``slow``."""
    return item.nodeid.startswith(WHOLE_RUN_FOLDERS) or item.get_closest_marker("slow") is not None


def whole_runs_first(items: list[pytest.Item]) -> None:
    """On an xdist worker, put the whole-run tests first (a stable sort: order kept otherwise).

    Every worker collects and sorts alike, so xdist sees one collection. A run in
    one process keeps the written order (fast feedback first).
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    items.sort(key=lambda item: not is_whole_run(item))
