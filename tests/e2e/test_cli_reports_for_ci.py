"""What a CI job reads: reports a JUnit consumer keys on, JSON that validates, a job summary.

Uses the ``generated`` fixture (one real offline run, see conftest), so the
reports are the ones a user gets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from e2e_support import Generated, Regoose
from jsonschema import Draft202012Validator
from junitparser import JUnitXml

from regoose_tui.reports.documents import json_schema


def _schema(regoose: Regoose, name: str) -> Draft202012Validator:
    """The schema `regoose schema NAME` publishes (the CLI's, not an import's)."""
    result = regoose("schema", name)
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed == json_schema(name)
    Draft202012Validator.check_schema(printed)
    return Draft202012Validator(printed)


def test_junit_names_the_written_file_and_each_case_reruns_from_the_project(
    generated: Generated,
) -> None:
    project = generated.project
    xml = JUnitXml.fromfile(str(generated.report))
    cases = [case for suite in xml for case in suite]
    kept = [case for case in cases if not case.result]
    assert kept and len(kept) == json.loads(generated.result.out)["tests"]
    # One test class per unit: the classname is the module, then the class (pytest's way).
    assert {case.classname.rsplit(".Test", 1)[0] for case in cases} == {"tests.test_shop_pricing"}

    def nodeid(case: Any) -> str:
        owner = case.classname.removeprefix("tests.test_shop_pricing").lstrip(".")
        return "::".join(p for p in ("tests/test_shop_pricing.py", owner, case.name) if p)

    nodeids = [nodeid(case) for case in kept]
    rerun = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodeids],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(kept)} passed" in rerun.stdout


def test_generate_json_and_the_json_report_validate(
    generated: Generated,
    regoose: Regoose,
) -> None:
    data = json.loads(generated.result.out)
    _schema(regoose, "generate").validate(data)
    root = generated.root
    assert data["reports"] == [
        str(generated.report),
        str(root / "report.md"),
        str(root / "report.json"),
    ]
    report = json.loads((root / "report.json").read_text())
    _schema(regoose, "report").validate(report)
    assert report["summary"]["tests"] == data["tests"]
    assert report["summary"]["dropped"] == data["dropped"]
    assert {t["nodeid"] for t in report["tests"] if t["outcome"] == "passed"} == {
        r["nodeid"] for r in data["results"]
    }
    assert all(r["nodeid"].startswith("tests/test_shop_pricing.py::") for r in data["results"])


def test_markdown_report_fits_a_job_summary(generated: Generated) -> None:
    text = (generated.root / "report.md").read_text()
    headline = text.split("<details>")[0]
    assert headline.startswith("## ✅ Regoose: `")
    assert "**Tests**" in headline and "**Line coverage**" in headline
    assert len(headline.splitlines()) <= 6
    assert "regoose-session" not in text
    assert len(text) < 65_536  # a GitHub PR comment's limit


@pytest.mark.timeout(300)
def test_run_json_has_per_test_outcomes_that_validate(
    generated: Generated,
    regoose: Regoose,
) -> None:
    project = generated.project
    result = regoose(
        "run", str(project / "tests"), "--project", str(project), "--json", env=generated.env
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    _schema(regoose, "run").validate(data)
    assert len(data["results"]) == data["tests"] == data["passed"]
    written = json.loads(generated.result.out)
    assert {r["nodeid"] for r in data["results"]} == {r["nodeid"] for r in written["results"]}
