"""Which Python runs the user's code, and how it gets pytest and coverage.

The project's own environment runs its code (its dependencies are there):
``--python PATH`` when given (an explicit choice beats any guess), else an
in-project ``.venv``/``venv``, else the active VIRTUAL_ENV, else Regoose's own
interpreter. If the chosen interpreter lacks pytest or
coverage, a small folder of links to Regoose's own copies (and their
dependencies, nothing else) is appended last on PYTHONPATH, so the user's
packages keep priority and none of Regoose's other pytest plugins leak into
their run.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs

from regoose_tui.errors import SandboxError, UsageError
from regoose_tui.runtime import probe_cache

#: Where the interpreter came from, in the order it is looked for (``--python`` first).
PythonSource = Literal["--python", "project", "VIRTUAL_ENV", "regoose"]

#: In-project virtualenv folders, in the order they are tried.
PROJECT_VENVS = (".venv", "venv")

#: Distributions that make ``python -m coverage run -m pytest`` work; their
#: own requirements (for this Python) are followed.
_TOOL_DISTRIBUTIONS = ("pytest", "coverage")
#: What the sandboxed introspection draws typed inputs with (see ``draw_shim_dir``).
_DRAW_DISTRIBUTIONS = ("hypothesis",)
#: What the sandboxed solver step runs (see ``solver_shim_dir``): CrossHair, with z3.
_SOLVER_DISTRIBUTIONS = ("crosshair-tool",)

_PROBE_SCRIPT = (
    "import importlib.util as u, json, platform;"
    "print(json.dumps({'version': platform.python_version(),"
    "'pytest': u.find_spec('pytest') is not None,"
    "'coverage': u.find_spec('coverage') is not None,"
    "'site': [p for p in __import__('sys').path if p]}))"
)
_PROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class PythonEnv:
    """The interpreter that runs the user's code in the sandbox."""

    executable: Path
    version: str
    extra_pythonpath: tuple[Path, ...]
    source: PythonSource
    has_pytest: bool = True
    has_coverage: bool = True
    note: str = ""
    #: The interpreter's own import path (site-packages, .pth additions): a sandbox
    #: that hides part of the host (a tmpfs /tmp) must still show these.
    site_paths: tuple[Path, ...] = ()

    @property
    def read_only_paths(self) -> tuple[Path, ...]:
        """Host paths a sandbox must expose for this interpreter to work."""
        # The venv root holds pyvenv.cfg: without it the interpreter would not
        # know it is a venv and would silently use the base installation.
        paths = [self.executable.parent.parent, self.executable.resolve().parent.parent]
        paths.extend(p for p in self.site_paths if p.is_dir())
        for shim in self.extra_pythonpath:
            paths.append(shim)
            # The shim holds links; their targets must be readable too.
            paths.extend(link.resolve().parent for link in shim.iterdir() if link.is_symlink())
        return tuple(dict.fromkeys(paths))


@dataclass(frozen=True)
class _Probe:
    version: str
    pytest: bool
    coverage: bool
    site: tuple[str, ...] = ()


#: Interpreters resolved before any run, from places the sandbox cannot write
#: (Regoose's own, the user's VIRTUAL_ENV or --python, the project's venv, which
#: every sandbox mounts read-only): path -> the host paths it needs.
_TRUSTED: dict[Path, tuple[Path, ...]] = {}


def _trust(env: PythonEnv) -> None:
    paths = env.read_only_paths
    _TRUSTED[env.executable] = paths
    _TRUSTED[env.executable.resolve()] = paths


def interpreter_site_paths(executable: Path) -> list[Path]:
    """The folders a trusted interpreter needs (its prefix, venv, import path), else [].

    Never starts anything: only interpreters ``resolve_python`` already
    resolved (and probed) are known. An ``argv[0]`` the sandbox could have
    planted (a ``python`` in the work folder) is therefore never run on the
    host while a command line is built.
    """
    return [p for p in _TRUSTED.get(Path(executable), ()) if p.is_dir()]


@functools.cache
def _probe(executable: str) -> _Probe:
    """Ask an interpreter its version and whether pytest and coverage import (cached).

    Kept between runs too, while the interpreter's files are unchanged (probe_cache.py).
    """
    data = probe_cache.lookup(executable)
    if data is None:
        data = _run_probe(executable)
        probe_cache.remember(executable, data)
    return _Probe(
        str(data["version"]),
        bool(data["pytest"]),
        bool(data["coverage"]),
        tuple(str(p) for p in data.get("site", ())),
    )


def _run_probe(executable: str) -> dict[str, Any]:
    """Start the interpreter (isolated: ``-I``) and read what it says about itself."""
    try:
        done = subprocess.run(
            [executable, "-I", "-c", _PROBE_SCRIPT],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"cannot run the Python interpreter {executable}: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxError(f"the Python interpreter {executable} failed to start: {last}")
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return {
            "version": str(data["version"]),
            "pytest": bool(data["pytest"]),
            "coverage": bool(data["coverage"]),
            "site": [str(p) for p in data.get("site", ())],
        }
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SandboxError(f"the Python interpreter {executable} gave no usable answer") from exc


def _top_level_entries(dist: importlib.metadata.Distribution) -> set[Path]:
    """The site-packages entries (packages, modules, dist-info) of one distribution."""
    entries: set[Path] = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith(".pth"):
            continue
        entries.add(Path(str(dist.locate_file(first))))
    return entries


def _requirement_closure(roots: Iterable[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``roots`` need, following requirements for this Python."""
    from packaging.requirements import Requirement  # a pytest dependency, always present

    seen: dict[str, importlib.metadata.Distribution] = {}
    roots = tuple(roots)
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            if name in roots:
                raise SandboxError(
                    f"Regoose's own {name!r} is missing; reinstall regoose"
                ) from None
            continue  # an optional requirement this Python does not need
        seen[key] = dist
        for line in dist.requires or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def _entries_of(roots: Iterable[str]) -> list[Path]:
    """``roots`` and their dependencies (Regoose's own copies), as site-packages paths."""
    entries: set[Path] = set()
    for dist in _requirement_closure(roots):
        entries |= {p for p in _top_level_entries(dist) if p.exists()}
    return sorted(entries)


def _kept_shim_dir(label: str, roots: tuple[str, ...]) -> Path:
    """The shim folder for ``roots``, made at most once while Regoose's install is unchanged.

    Following requirements reads every distribution's metadata (and imports
    packaging: ~50 ms a start); which folder that gives is kept (probe_cache.py)
    while Regoose's interpreter and its import-path folders are as they were.
    """
    marks = probe_cache.fingerprint(sys.executable, [p for p in sys.path if os.path.isabs(p)])
    key = f"{label}:{','.join(roots)}"
    kept = probe_cache.kept_shim(key, marks)
    if kept is not None:
        folder = _shim_root() / kept
        if kept.startswith(f"{label}-") and "/" not in kept and _is_real_dir(folder):
            folder.chmod(0o755)  # as _shim_dir does for one an older Regoose made 0700
            return folder
    folder = _shim_dir(label, _entries_of(roots))
    probe_cache.keep_shim(key, marks, folder.name)
    return folder


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@functools.cache
def tool_shim_dir() -> Path:
    """A cached folder of links exposing only Regoose's pytest and coverage.

    Built once per set of versions, atomically (a rename), so concurrent
    Regoose processes never see a half-made folder.
    """
    return _kept_shim_dir("pytest-coverage", _TOOL_DISTRIBUTIONS)


@functools.cache
def draw_shim_dir() -> Path | None:
    """A cached folder of links exposing only Regoose's Hypothesis (and its dependencies).

    The sandboxed introspection draws typed inputs with it (synth/probe_draw.py);
    it goes on that one command's path, last, never on the tests' path. None
    when this installation has no Hypothesis.
    """
    try:
        return _kept_shim_dir("hypothesis", _DRAW_DISTRIBUTIONS)
    except SandboxError:
        return None


@functools.cache
def solver_shim_dir() -> Path | None:
    """A cached folder of links exposing only Regoose's CrossHair (z3 and its other needs).

    The sandboxed solver step (synth/crosshair_driver.py) runs with it last on
    that one command's path, never on the tests' path. None when this
    installation has no CrossHair.
    """
    try:
        return _kept_shim_dir("crosshair", _SOLVER_DISTRIBUTIONS)
    except SandboxError:
        return None


def _shim_root() -> Path:
    return Path(platformdirs.user_cache_dir("regoose")) / "python-shims"


def _shim_dir(label: str, entries: list[Path]) -> Path:
    digest = hashlib.sha256("\n".join(map(str, entries)).encode()).hexdigest()[:16]
    root = _shim_root()
    target = root / f"{label}-{digest}"
    if target.is_dir():
        # One made by an older Regoose may be 0700: a container's user could not list it.
        target.chmod(0o755)
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    for entry in entries:
        (staging / entry.name).symlink_to(entry)
    # Links to Regoose's own packages, nothing secret: a container's sandbox user
    # (not this process's uid) must be able to list it.
    staging.chmod(0o755)
    try:
        staging.rename(target)
    except OSError:
        # Another process won the race; its folder is identical.
        for link in staging.iterdir():
            link.unlink()
        staging.rmdir()
    return target


def project_venv_python(project: Path) -> Path | None:
    """``PROJECT/.venv/bin/python`` (or ``venv/``) when it is a real virtualenv, else None."""
    for name in PROJECT_VENVS:
        folder = project / name
        candidate = folder / "bin" / "python"
        # pyvenv.cfg tells a virtualenv from a folder that merely holds a python.
        if (folder / "pyvenv.cfg").is_file() and candidate.exists():
            return candidate
    return None


def _explicit_python(given: str | Path) -> Path:
    """``--python PATH``: an interpreter, or a virtualenv folder holding bin/python."""
    path = Path(given).expanduser().absolute()
    if path.is_dir() and (path / "bin" / "python").exists():
        return path / "bin" / "python"
    if not path.is_file():
        raise UsageError(f"--python {given}: no such interpreter")
    if not os.access(path, os.X_OK):
        raise UsageError(f"--python {given}: not executable")
    return path


def _choose(
    environ: Mapping[str, str], project: Path | None, explicit: str | Path | None
) -> tuple[Path, PythonSource, str]:
    """The interpreter, where it came from, and a note when a candidate was passed over."""
    if explicit is not None:
        return _explicit_python(explicit), "--python", ""
    if project is not None:
        found = project_venv_python(project)
        if found is not None:
            return found, "project", ""
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        candidate = Path(venv) / "bin" / "python"
        if candidate.exists():
            return candidate, "VIRTUAL_ENV", ""
        return (
            Path(sys.executable),
            "regoose",
            f"VIRTUAL_ENV={venv} has no bin/python; using Regoose's interpreter",
        )
    return Path(sys.executable), "regoose", ""


def resolve_python(
    environ: Mapping[str, str] | None = None,
    *,
    project: Path | None = None,
    explicit: str | Path | None = None,
) -> PythonEnv:
    """The interpreter for the user's code (see the module docstring for the order).

    ``project`` is the project root whose ``.venv``/``venv`` is looked for;
    ``explicit`` is ``--python``. Blocking (it may start the interpreter once
    to probe it); use ``resolve_python_async`` from async code.
    """
    environ = os.environ if environ is None else environ
    executable, source, note = _choose(environ, project, explicit)
    probe = _probe(str(executable))
    extra: tuple[Path, ...] = ()
    if not (probe.pytest and probe.coverage):
        extra = (tool_shim_dir(),)
        missing = [
            n for n, ok in (("pytest", probe.pytest), ("coverage", probe.coverage)) if not ok
        ]
        mine = ".".join(map(str, sys.version_info[:2]))
        note = f"{' and '.join(missing)} borrowed from Regoose (Python {mine})"
        if not probe.version.startswith(mine + "."):
            note += f"; the interpreter is Python {probe.version}, coverage may run slower"
    env = PythonEnv(
        executable=executable,
        version=probe.version,
        extra_pythonpath=extra,
        source=source,
        has_pytest=probe.pytest,
        has_coverage=probe.coverage,
        note=note,
        site_paths=tuple(Path(p) for p in probe.site),
    )
    _trust(env)
    return env


async def resolve_python_async(
    environ: Mapping[str, str] | None = None,
    *,
    project: Path | None = None,
    explicit: str | Path | None = None,
) -> PythonEnv:
    """``resolve_python`` off the event loop."""
    return await asyncio.to_thread(
        functools.partial(resolve_python, environ, project=project, explicit=explicit)
    )
