"""A repository's layout: its root, its import root, its test folder and their settings.

Users point Regoose at a file inside a real project: a ``src/`` layout with a
``tests/`` folder at the root, a flat layout, settings in pyproject.toml or
pytest.ini. New tests must land where that project's own ``python -m pytest``
collects them, named the way its tests are named. Everything here only reads
(stat calls and a few small config files, with tomllib/configparser) and never
fails on a broken config: a file pytest itself could not read is ignored, and
the layout falls back to today's defaults.
"""

from __future__ import annotations

import configparser
import fnmatch
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: Files or folders that mark a project root (the first folder above the target with one).
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "pytest.ini", "tox.ini", ".git")

#: The key under which a reader says which table the settings came from.
_TABLE = "\0table"

#: Entries of one folder looked at when asking whether it holds tests.
_MAX_ENTRIES = 200

#: pytest's own default for ``python_files``.
DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")

#: How test files are named: ``test_cart.py`` (the module's own name) or
#: ``test_shop_cart.py`` (the dotted name, today's default).
Naming = Literal["module", "dotted"]


@dataclass(frozen=True)
class PytestSettings:
    """The few pytest ini options that decide where tests live and how they import."""

    source: Path | None = None
    testpaths: tuple[str, ...] = ()
    rootdir: str | None = None
    pythonpath: tuple[str, ...] = ()
    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
    import_mode: str | None = None
    #: Where in ``source`` they were read (``[tool.pytest]``, ``[tool:pytest]``...).
    table: str = ""


@dataclass(frozen=True)
class ProjectLayout:
    """Where a target's project keeps things; paths are absolute and resolved."""

    #: Where the project's pytest runs (node ids are relative to it).
    root: Path
    #: The folder on ``sys.path`` the target imports from (``src/`` in a src layout).
    import_root: Path
    #: Where new tests go.
    test_dir: Path
    pytest: PytestSettings = field(default_factory=PytestSettings)
    naming: Naming = "dotted"

    def import_hint(self, on_path: tuple[Path, ...] = ()) -> str:
        """Why the project's own pytest might not import the tests' module, else "".

        A ``src/`` import root is on ``sys.path`` for that pytest only through its
        ``pythonpath`` setting or an install (an editable one shows in ``on_path``).
        """
        if self.import_root == self.root or self.import_root in on_path:
            return ""
        configured = {(self.root / entry).resolve() for entry in self.pytest.pythonpath}
        if self.import_root in configured:
            return ""
        relative = self.import_root.relative_to(self.root)
        return (
            f"{self.root}: its pytest imports from {relative}/ only if the project is installed "
            f"in its environment (pip install -e .) or {self.pytest.table or '[tool.pytest]'} has "
            f'pythonpath = ["{relative}"]'
        )

    def test_file_name(self, module: str, naming: Naming | None = None) -> str:
        """The file name this project would give the tests of ``module``."""
        naming = naming or self.naming
        stem = module.rsplit(".", 1)[-1] if naming == "module" else module.replace(".", "_")
        prefixed = f"test_{stem}.py"
        if any(fnmatch.fnmatch(prefixed, glob) for glob in self.pytest.python_files):
            return prefixed
        suffixed = f"{stem}_test.py"
        if any(fnmatch.fnmatch(suffixed, glob) for glob in self.pytest.python_files):
            return suffixed
        return prefixed  # a pattern we cannot satisfy by a name: pytest's default


def import_root_of(target: Path) -> Path:
    """The first folder above the target's ``__init__.py`` package chain."""
    folder = target.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def marked_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a project marker, else None."""
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return None


def detect_layout(target: str | Path, project: str | Path | None = None) -> ProjectLayout:
    """The layout around ``target``; ``project`` (``--project``) fixes the import root."""
    path = Path(target).expanduser().resolve()
    given = Path(project).expanduser().resolve() if project is not None else None
    walked = given or import_root_of(path)
    marked = marked_root(walked)
    settings = read_pytest_settings(marked) if marked else PytestSettings()
    import_root = walked
    root = walked
    if marked is not None:
        candidates = _import_root_candidates(marked, settings)
        if given is None:
            # A namespace package under src/ (no __init__.py in its top folders)
            # still imports from src/: climb to a configured import root if one holds it.
            for candidate in candidates:
                if walked.is_relative_to(candidate) and _identifiers(walked, candidate):
                    import_root = candidate
                    break
        # An enclosing repository whose layout does not include this import root
        # (the bundled examples/ inside Regoose's own checkout) is not its project.
        if import_root == marked or import_root in candidates:
            root = marked
        else:
            root = import_root
            settings = PytestSettings()
    test_dir = _test_dir(root, settings, import_root)
    return ProjectLayout(
        root=root,
        import_root=import_root,
        test_dir=test_dir,
        pytest=settings,
        naming=_naming(test_dir, path, settings.python_files),
    )


def read_pytest_settings(root: Path) -> PytestSettings:
    """pytest's ini options at ``root``, from the file pytest itself would pick.

    The order is pytest 9's: ``pytest.toml`` / ``.pytest.toml`` (its ``[pytest]``
    table) first, then pytest.ini, pyproject.toml (the native ``[tool.pytest]``
    table or the older ``[tool.pytest.ini_options]``), tox.ini, setup.cfg.
    """
    for name, read in (
        ("pytest.toml", _pytest_toml),
        (".pytest.toml", _pytest_toml),
        ("pytest.ini", _ini_section("pytest", required=False)),
        (".pytest.ini", _ini_section("pytest", required=False)),
        ("pyproject.toml", _pyproject_section),
        ("tox.ini", _ini_section("pytest", required=True)),
        ("setup.cfg", _ini_section("tool:pytest", required=True)),
    ):
        path = root / name
        if not path.is_file():
            continue
        values = read(path)
        if values is not None:
            return _settings(path, values)
    return PytestSettings()


def _pyproject_section(path: Path) -> Mapping[str, Any] | None:
    """``[tool.pytest]`` (pytest 9, native TOML types) or ``[tool.pytest.ini_options]``.

    pytest 9 refuses a file with both and reads the native table; a pytest 8
    ignores that table (and then still runs from this root).
    """
    tool = _toml(path).get("tool")
    table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    native = {key: value for key, value in table.items() if key != "ini_options"}
    if native:
        return {**native, _TABLE: "[tool.pytest]"}
    section = table.get("ini_options")
    return {**section, _TABLE: "[tool.pytest.ini_options]"} if isinstance(section, dict) else None


def _pytest_toml(path: Path) -> Mapping[str, Any] | None:
    """pytest.toml's ``[pytest]`` table: pytest's file even when empty (like pytest.ini)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # pytest could not read it either
    table = data.get("pytest")
    return {**(table if isinstance(table, dict) else {}), _TABLE: f"[pytest] of {path.name}"}


def _ini_section(section: str, *, required: bool) -> Any:
    def read(path: Path) -> Mapping[str, Any] | None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            return None
        if parser.has_section(section):
            return {**dict(parser.items(section)), _TABLE: f"[{section}]"}
        # pytest.ini is pytest's file even with no [pytest] section: it still wins.
        return None if required else {}

    return read


def _settings(path: Path, values: Mapping[str, Any]) -> PytestSettings:
    addopts = _words(values.get("addopts"))
    rootdir = None
    for index, word in enumerate(addopts):
        if word.startswith("--rootdir="):
            rootdir = word.split("=", 1)[1]
        elif word == "--rootdir" and index + 1 < len(addopts):
            rootdir = addopts[index + 1]
        elif word.startswith("--import-mode="):
            values = {**values, "import_mode": word.split("=", 1)[1]}
        elif word == "--import-mode" and index + 1 < len(addopts):
            values = {**values, "import_mode": addopts[index + 1]}
    return PytestSettings(
        source=path,
        testpaths=tuple(_words(values.get("testpaths"))),
        rootdir=rootdir,
        pythonpath=tuple(_words(values.get("pythonpath"))),
        python_files=tuple(_words(values.get("python_files"))) or DEFAULT_PYTHON_FILES,
        import_mode=str(values["import_mode"]) if values.get("import_mode") else None,
        table=str(values.get(_TABLE, "")),
    )


def _words(value: object) -> list[str]:
    """An ini "args"/"linelist" value: a TOML list, or whitespace-separated words."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    try:
        return shlex.split(str(value))
    except ValueError:
        return str(value).split()


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _import_root_candidates(root: Path, settings: PytestSettings) -> list[Path]:
    """Folders of ``root`` its own configuration puts on ``sys.path``."""
    names: list[str] = ["src", *settings.pythonpath]
    setuptools = _toml(root / "pyproject.toml").get("tool", {}).get("setuptools", {})
    where = setuptools.get("packages", {})
    if isinstance(where, dict):
        names.extend(str(w) for w in where.get("find", {}).get("where", ()))
    package_dir = setuptools.get("package-dir", {})
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        names.append(package_dir[""])
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read(root / "setup.cfg", encoding="utf-8")
        raw = cfg.get("options", "package_dir", fallback="")
    except (configparser.Error, UnicodeDecodeError, OSError):
        raw = ""
    for line in raw.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip():
            names.append(value.strip())
    found = [(root / name).resolve() for name in names if name and name != "."]
    return [p for p in dict.fromkeys(found) if p.is_dir() and p.is_relative_to(root)]


def _identifiers(folder: Path, base: Path) -> bool:
    return all(part.isidentifier() for part in folder.relative_to(base).parts)


def _test_dir(root: Path, settings: PytestSettings, import_root: Path | None = None) -> Path:
    """The project's testpaths folder that holds its tests, else tests/ (or test/).

    testpaths often names the source folder too (``["src", "tests"]``: its
    doctests run with ``--doctest-modules``); new test files belong in the one
    that holds test files, and never in the import root unless nothing else is named.
    """
    base = (root / settings.rootdir).resolve() if settings.rootdir else root
    named: list[Path] = []
    for entry in settings.testpaths:
        matches = sorted(base.glob(entry)) if any(c in entry for c in "*?[") else [base / entry]
        named.extend(m.resolve() for m in matches if m.suffix != ".py")
    folders = [folder for folder in named if folder.is_dir()]
    holding = [f for f in folders if _holds_tests(f, settings.python_files)]
    apart = [f for f in folders if import_root is None or not import_root.is_relative_to(f)]
    for folder in (*holding, *apart, *folders):
        return folder
    if named:
        return named[0]
    for name in ("tests", "test"):
        if (root / name).is_dir():
            return (root / name).resolve()
    return root / "tests"


def _holds_tests(folder: Path, python_files: Sequence[str], depth: int = 2) -> bool:
    """Whether ``folder`` (or a folder ``depth`` levels below) holds a pytest test file."""
    try:
        entries = sorted(folder.iterdir())[:_MAX_ENTRIES]
    except OSError:
        return False
    for entry in entries:
        if entry.suffix == ".py" and any(fnmatch.fnmatch(entry.name, g) for g in python_files):
            return True
    return depth > 0 and any(
        _holds_tests(entry, python_files, depth - 1)
        for entry in entries
        if entry.is_dir() and not entry.name.startswith(".")
    )


def _naming(test_dir: Path, target: Path, python_files: Sequence[str]) -> Naming:
    """``module`` when the project's tests are named after a sibling module, else ``dotted``."""
    try:
        tests = [p.stem for p in test_dir.iterdir() if p.suffix == ".py"]
        siblings = {p.stem for p in target.parent.iterdir() if p.suffix == ".py"}
    except OSError:
        return "dotted"
    globs = tuple(python_files)
    named = [
        stem.removeprefix("test_").removesuffix("_test")
        for stem in tests
        if any(fnmatch.fnmatch(stem + ".py", g) for g in globs)
    ]
    package = target.parent.name
    short = sum(1 for n in named if n in siblings - {"__init__"})
    dotted = sum(1 for n in named if n.startswith(f"{package}_"))
    return "module" if short > dotted else "dotted"
