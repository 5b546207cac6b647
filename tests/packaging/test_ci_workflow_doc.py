"""docs/regoose-generate.yml: a workflow GitHub can load, running the documented command."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML (a litellm dependency) ships no stubs

from regoose_tui.cli.parser import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load((DOCS / "regoose-generate.yml").read_text())
    # PyYAML reads the bare key `on` as True (YAML 1.1); GitHub reads it as "on".
    assert workflow.get("on", workflow.get(True)) == {"pull_request": None}
    return workflow["jobs"]["generate"]["steps"]


def test_the_workflow_runs_generate_with_the_ci_flags_and_uploads_both_reports() -> None:
    steps = _steps()
    [run] = [s["run"] for s in steps if "regoose generate" in str(s.get("run", ""))]
    argv = shlex.split(str(run))
    assert argv[:2] == ["regoose", "generate"]
    for flag in ("--diff", "--fail-under", "--report"):
        assert flag in argv
    assert argv[argv.index("--fail-under") + 1] == "80"
    assert argv[argv.index("--diff") + 1] == "origin/main"
    assert {"regoose.md", "regoose.xml"} <= set(argv)
    [upload] = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    paths = str(upload["with"]["path"])  # type: ignore[index]  # a YAML mapping
    assert "regoose.md" in paths and "regoose.xml" in paths
    checkout = steps[0]
    assert checkout["with"] == {"fetch-depth": 0}


def test_the_flags_the_docs_name_parse() -> None:
    argv = ["generate", "m.py", "--fail-under", "80", "--seed", "1", "--apply", "--commit"]
    args = build_parser().parse_args([*argv, "--report", "regoose.md", "regoose.xml"])
    assert (args.fail_under, args.seed, args.apply, args.commit) == (80.0, 1, True, True)
    assert args.report == ["regoose.md", "regoose.xml"]
    text = (DOCS / "ci-github-actions.md").read_text()
    assert "regoose-generate.yml" in text and "--fail-under 80" in text
