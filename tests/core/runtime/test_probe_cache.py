"""An interpreter is probed once while its files stay as they were, again when they change.

The interpreter here is a real executable that counts how often it is started
and answers what a Python would: so every probe the cache saves is visible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regoose_tui.runtime import probe_cache, python_env
from regoose_tui.runtime.python_env import resolve_python


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cache folder of this test's own; no probe remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    python_env._probe.cache_clear()
    yield
    python_env._probe.cache_clear()


class FakePython:
    """``venv/bin/python``: a script answering the probe and counting its starts."""

    def __init__(self, root: Path, version: str = "3.11.7") -> None:
        self.venv = root / "venv"
        self.site = self.venv / "lib" / "python3.11" / "site-packages"
        self.site.mkdir(parents=True)
        (self.venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
        self.executable = self.venv / "bin" / "python"
        self.executable.parent.mkdir()
        self.starts = root / "starts.log"
        self.answer(version)

    def answer(self, version: str) -> None:
        data = {"version": version, "pytest": True, "coverage": True, "site": [str(self.site)]}
        self.executable.write_text(
            f"#!/bin/sh\necho started >> '{self.starts}'\necho '{json.dumps(data)}'\n"
        )
        self.executable.chmod(0o755)

    @property
    def started(self) -> int:
        return len(self.starts.read_text().splitlines()) if self.starts.exists() else 0


def _resolve(python: FakePython) -> python_env.PythonEnv:
    """As a new Regoose process does: nothing remembered in memory."""
    python_env._probe.cache_clear()
    return resolve_python({}, explicit=python.executable)


def test_a_second_run_reuses_the_probe_of_an_unchanged_interpreter(tmp_path: Path) -> None:
    python = FakePython(tmp_path)
    first = _resolve(python)
    second = _resolve(python)
    assert python.started == 1
    assert first == second
    assert (second.version, second.site_paths) == ("3.11.7", (python.site,))
    assert probe_cache.cache_path().stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "change",
    ["interpreter", "package_installed", "pth_edited", "pyvenv_cfg", "site_folder_gone"],
)
def test_a_changed_interpreter_is_probed_again(change: str, tmp_path: Path) -> None:
    python = FakePython(tmp_path)
    (python.site / "extra.pth").write_text("/nowhere\n")
    assert _resolve(python).version == "3.11.7"
    if change == "interpreter":
        python.answer("3.11.9")  # upgraded in place: a new answer
    elif change == "package_installed":
        (python.site / "pytest").mkdir()
    elif change == "pth_edited":
        (python.site / "extra.pth").write_text("/somewhere/else\n")  # the folder stays
    elif change == "pyvenv_cfg":
        (python.venv / "pyvenv.cfg").write_text("home = /opt/python\n")
    else:
        (python.site / "extra.pth").unlink()
        python.site.rmdir()
    again = _resolve(python)
    assert python.started == 2
    assert again.version == ("3.11.9" if change == "interpreter" else "3.11.7")
    _resolve(python)
    assert python.started == 2  # the new answer is the one kept


@pytest.mark.parametrize("tamper", ["others_may_write", "a_link", "not_json"])
def test_a_cache_file_not_safely_ours_is_ignored(tamper: str, tmp_path: Path) -> None:
    python = FakePython(tmp_path)
    _resolve(python)
    cache = probe_cache.cache_path()
    if tamper == "others_may_write":
        cache.chmod(0o666)
    elif tamper == "a_link":
        real = tmp_path / "elsewhere.json"
        cache.rename(real)
        cache.symlink_to(real)
    else:
        cache.write_text("{not json")
    _resolve(python)
    assert python.started == 2


def test_a_planted_answer_does_not_match_the_interpreter(tmp_path: Path) -> None:
    """An entry whose fingerprint is not this interpreter's files is never used."""
    python = FakePython(tmp_path)
    _resolve(python)
    cache = probe_cache.cache_path()
    entries = json.loads(cache.read_text())
    (entry,) = entries.values()
    entry["probe"]["site"] = ["/root/.ssh"]  # what a sandbox would like exposed
    cache.write_text(json.dumps(entries))
    assert _resolve(python).site_paths == (python.site,)
    assert python.started == 2


def test_the_real_interpreter_resolves_the_same_from_the_cache() -> None:
    fresh = resolve_python({}, explicit=sys.executable)
    python_env._probe.cache_clear()
    cached = resolve_python({}, explicit=sys.executable)
    assert cached == fresh
    assert probe_cache.lookup(sys.executable) is not None


SHIM = (
    "import sys\n"
    "from regoose_tui.runtime.python_env import draw_shim_dir\n"
    "print(draw_shim_dir(), 'packaging' in sys.modules)\n"
)


def _shim_run(tmp_path: Path, extra: Path) -> tuple[str, bool]:
    """A fresh Regoose process asking for the Hypothesis shim: (its folder, whether the
    requirements were followed, which imports packaging)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(extra),
    }
    done = subprocess.run(
        [sys.executable, "-c", SHIM], capture_output=True, text=True, check=True, env=env
    )
    folder, followed = done.stdout.split()
    return folder, followed == "True"


def test_the_shim_folder_is_found_again_without_reading_every_distribution(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    folder, followed = _shim_run(tmp_path, extra)
    assert followed and Path(folder).is_dir()
    assert _shim_run(tmp_path, extra) == (folder, False)
    # Something installed on Regoose's own import path: the requirements are read again.
    (extra / "newpkg").mkdir()
    assert _shim_run(tmp_path, extra) == (folder, True)
    assert _shim_run(tmp_path, extra) == (folder, False)
    # The folder itself removed (a cleaned cache): made again.
    shutil.rmtree(folder)
    assert _shim_run(tmp_path, extra) == (folder, True)
    assert Path(folder).is_dir()
