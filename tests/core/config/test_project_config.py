""".regooseignore and [tool.regoose]: what the project forbids, asks for, and defaults to."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from regoose_tui.config import load_settings
from regoose_tui.errors import ConfigError, PathIgnored
from regoose_tui.project_config import IgnoreRules, find_project_root, load_project_config
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.registry import get_runtime
from regoose_tui.tools.filesystem import FilesystemTool


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "secrets").mkdir(parents=True)
    (root / "secrets" / "key.txt").write_text("hunter2\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (root / "pkg" / "private.pem").write_text("pem\n")
    (root / "pkg" / "ok.pem").write_text("fine\n")
    (root / ".regooseignore").write_text("# keep out\nsecrets/\n*.pem\n!ok.pem\n")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [project]
            name = "proj"

            [tool.regoose]
            provider = "openai/gpt-4o-mini"
            runtime = "local"
            strategy = "llm"
            instructions = "Money is Decimal."
            ignore = ["/generated.py"]
            """
        )
    )
    return root


def test_rules_merge_from_all_three_places(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "regoose.toml").write_text('[tool.regoose]\ninstructions = "Use the fixtures."\n')
    config = load_project_config(root)
    assert config.instructions == "Use the fixtures."  # regoose.toml wins key by key
    assert config.provider == "openai/gpt-4o-mini" and config.runtime == "local"
    assert config.strategy == "llm"
    assert [p.name for p in config.sources] == ["pyproject.toml", "regoose.toml", ".regooseignore"]
    rules = config.ignore
    assert rules.match(root / "secrets" / "key.txt") == "secrets/"
    assert rules.match(root / "secrets") == "secrets/"
    assert rules.match(root / "pkg" / "private.pem") == "*.pem"
    assert rules.match(root / "pkg" / "ok.pem") is None  # negated
    assert rules.match(root / "generated.py") == "/generated.py"
    assert rules.match(root / "pkg" / "generated.py") is None  # anchored at the root
    assert rules.match(root / "pkg" / "mod.py") is None
    assert rules.match(tmp_path / "elsewhere" / "secrets" / "x") is None
    assert sorted(p.relative_to(root).as_posix() for p in rules.existing()) == [
        "pkg/private.pem",
        "secrets",
    ]


def test_a_symlink_into_an_ignored_folder_is_ignored_too(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "pkg" / "link.txt").symlink_to(root / "secrets" / "key.txt")
    assert load_project_config(root).ignore.match(root / "pkg" / "link.txt") == "secrets/"


def test_bad_tables_are_one_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.regoose]\nruntim = "local"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.regoose\] runtim"):
        load_project_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.regoose]\nruntime = "vm"\n')
    with pytest.raises(ConfigError, match="runtime"):
        load_project_config(tmp_path)


def test_defaults_fill_only_what_no_other_source_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    settings = load_settings(root)
    assert settings.provider.name == "openai/gpt-4o-mini"
    assert settings.provider.strategy == "llm" and settings.runtime.name == "local"
    assert load_settings(root, runtime__name="bwrap").runtime.name == "bwrap"  # a flag wins
    monkeypatch.setenv("REGOOSE_PROVIDER__NAME", "offline")
    assert load_settings(root).provider.name == "offline"  # the environment wins
    (root / "regoose.toml").write_text('[runtime]\nname = "auto"\n')
    assert load_settings(root).runtime.name == "auto"  # regoose.toml's sections win


def test_project_root_is_found_from_a_target(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert find_project_root(root / "pkg" / "mod.py") == root.resolve()


async def test_the_filesystem_tool_never_reads_writes_or_lists_ignored_paths(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    files = FilesystemTool(root, ignore=load_project_config(root).ignore)
    read = await files.execute("read_file", path="secrets/key.txt")
    assert not read.ok and "excluded by the project's ignore rules ('secrets/'" in (
        read.error or ""
    )
    wrote = await files.execute("write_file", path="pkg/new.pem", content="x")
    assert not wrote.ok and not (root / "pkg" / "new.pem").exists()
    generated = await files.execute("write_generated", path="secrets/test_x.py", content="x")
    assert not generated.ok and generated.output == {
        "path": "secrets/test_x.py",
        "error_type": "PathIgnored",
    }
    listing = await files.execute("list_dir", path=".")
    names = [entry["name"] for entry in listing.data()["entries"]]
    assert "secrets" not in names and "pkg" in names
    found = await files.execute("glob", pattern="**/*.pem")
    assert found.data()["matches"] == ["pkg/ok.pem"]
    assert (await files.execute("read_file", path="pkg/ok.pem")).output == "fine\n"


def test_check_raises_one_line(tmp_path: Path) -> None:
    rules = IgnoreRules(tmp_path, ("*.pem",))
    with pytest.raises(PathIgnored, match=r"^a\.pem is excluded .*never reads or writes it$"):
        rules.check(tmp_path / "a.pem", shown="a.pem")


async def test_the_sandbox_masks_ignored_paths(tmp_path: Path) -> None:
    from tests.core.runtime.sandbox_helpers import require_bwrap

    require_bwrap()
    root = _project(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    masked = tuple(load_project_config(root).ignore.existing())
    runtime = get_runtime("bwrap", masked=masked)
    code = (
        "import os, sys\n"
        "for p in sys.argv[1:]:\n"
        "    print(repr(open(p).read()) if os.path.isfile(p) else sorted(os.listdir(p)))\n"
    )
    paths = [root / "secrets", root / "pkg" / "private.pem", root / "pkg" / "ok.pem"]
    spec = RunSpec(
        argv=[sys.executable, "-c", code, *map(str, paths)],
        project_dir=root,
        work_dir=work,
        limits=Limits(wall_seconds=30),
    )
    result = await runtime.run(spec)
    assert result.stdout.splitlines() == ["[]", "''", "'fine\\n'"], result
