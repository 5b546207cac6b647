"""The project's own tests for a module: the files of its test folder that import it."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.domain.existing_tests import existing_tests_for, imports_module, reexported_as
from regoose_tui.domain.layout import detect_layout


def test_every_import_form_of_the_module_counts() -> None:
    module = "calc.ops"
    assert imports_module("import calc.ops\n", module)
    assert imports_module("import calc.ops as o\n", module)
    assert imports_module("from calc.ops import clamp\n", module)
    assert imports_module("from calc import ops\n", module)
    assert imports_module("def f():\n    from calc.ops import clamp\n", module)
    assert not imports_module("import calc\n", module)
    assert not imports_module("from calc.opsx import y\nimport calc.ops_other\n", module)
    assert not imports_module("from . import ops\n", module)  # relative: another package
    assert not imports_module("import calc.ops(\n", module)  # does not parse


def _project(root: Path) -> Path:
    (root / "src" / "calc").mkdir(parents=True)
    (root / "src" / "calc" / "__init__.py").write_text("")
    target = root / "src" / "calc" / "ops.py"
    target.write_text("def clamp(v):\n    return v\n")
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n'
    )
    tests = root / "tests"
    (tests / "unit").mkdir(parents=True)
    (tests / ".venv").mkdir()
    (tests / "test_ops.py").write_text("from calc.ops import clamp\n")
    (tests / "unit" / "test_more.py").write_text("import calc.ops\n")
    (tests / "unit" / "helpers.py").write_text("import calc.ops\n")  # not a test file
    (tests / "test_other.py").write_text("import calc\n")
    (tests / ".venv" / "test_vendored.py").write_text("import calc.ops\n")
    (root / "test_outside.py").write_text("import calc.ops\n")  # not under testpaths
    return target


def test_a_src_layout_finds_the_tests_under_its_testpaths(tmp_path: Path) -> None:
    target = _project(tmp_path)
    layout = detect_layout(target)
    found = existing_tests_for(layout, "calc.ops")
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "tests/test_ops.py",
        "tests/unit/test_more.py",
    ]


def test_the_file_regoose_rewrites_is_not_a_project_test(tmp_path: Path) -> None:
    target = _project(tmp_path)
    layout = detect_layout(target)
    found = existing_tests_for(layout, "calc.ops", exclude=[tmp_path / "tests" / "test_ops.py"])
    assert [p.name for p in found] == ["test_more.py"]
    assert existing_tests_for(layout, "calc.nothing") == []


def test_a_package_that_re_exports_the_module_counts_as_importing_it(tmp_path: Path) -> None:
    pkg = tmp_path / "mi"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .more import *  # noqa\nfrom .recipes import *\n")
    (pkg / "recipes.py").write_text("def take(n, it):\n    return list(it)[:n]\n")
    (pkg / "more.py").write_text("def first(it):\n    return next(iter(it))\n")
    (pkg / "plain.py").write_text("def alone():\n    return 1\n")
    (tmp_path / "setup.py").write_text("")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_recipes.py").write_text("import mi as m\n")
    (tests / "test_direct.py").write_text("from mi.recipes import take\n")
    layout = detect_layout(pkg / "recipes.py")
    assert reexported_as(layout.import_root, "mi.recipes") == ("mi.recipes", "mi")
    assert reexported_as(layout.import_root, "mi.plain") == ("mi.plain",)
    found = [p.name for p in existing_tests_for(layout, "mi.recipes")]
    assert found == ["test_direct.py", "test_recipes.py"]
    assert existing_tests_for(layout, "mi.plain") == []
