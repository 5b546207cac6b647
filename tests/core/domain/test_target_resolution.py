"""Target vetting: project root, module name, and the bad inputs that are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.domain.target import find_project_root, resolve_target
from regoose_tui.errors import TargetOutsideProject, TargetUnreadable


def test_package_chain_sets_project_and_module(tmp_path: Path) -> None:
    pkg = tmp_path / "app" / "core"
    pkg.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "rules.py").write_text("def f():\n    return 1\n")
    target = resolve_target(pkg / "rules.py")
    assert find_project_root(pkg / "rules.py") == tmp_path
    assert target.project_dir == tmp_path.resolve() and target.module == "app.core.rules"


def test_byte_order_mark_is_valid_source(tmp_path: Path) -> None:
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfdef f():\n    return 1\n")
    assert resolve_target(tmp_path / "bom.py").source.startswith("def f")


def test_folder_and_unimportable_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetUnreadable, match="is a folder"):
        resolve_target(tmp_path)
    (tmp_path / "my-module.py").write_text("x = 1\n")
    with pytest.raises(TargetOutsideProject, match="cannot be imported"):
        resolve_target(tmp_path / "my-module.py")


def test_a_too_deeply_nested_target_is_an_input_error(tmp_path: Path) -> None:
    from regoose_tui.errors import InputError

    target = tmp_path / "deep.py"
    target.write_text("X = " + "+".join(["1"] * 60_000) + "\n")
    with pytest.raises(InputError, match=r"deep\.py: too deeply nested to analyse \("):
        resolve_target(target, tmp_path)
