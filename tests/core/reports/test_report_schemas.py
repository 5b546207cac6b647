"""Every JSON output validates against the schema `regoose schema` publishes.

The documents are real: a generation through the plan (scripted provider, so
the suite is exact) and a run of the suite it wrote, then the JSON report of
that session; jsonschema checks each against its published schema.
"""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from regoose_tui.bus.bus import MessageBus
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.test_run import run_tests
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.reports import parse_json, render_json, report_from_store
from regoose_tui.reports.documents import SCHEMAS, json_schema
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.store.store import SessionStore

MODULE = "def double(n: int) -> int:\n    if n < 0:\n        return 0\n    return 2 * n\n"
FIRST = """
from twice import double


def test_double_three():
    assert double(3) == 6


def test_double_negative():
    assert double(-1) == 1
"""
SECOND = """
from twice import double


def test_double_three_again():
    assert double(3) == 6


def test_double_negative_is_zero():
    assert double(-1) == 0
"""


def _validator(name: str) -> Draft202012Validator:
    schema = json_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_each_schema_is_valid_and_versioned() -> None:
    for name in SCHEMAS:
        schema = json_schema(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$id"].endswith(
            f"/{name}-v{schema['properties']['schema_version']['default']}.json"
        )
        assert (
            "schema_version" in schema["required"]
            or "default" in schema["properties"]["schema_version"]
        )


async def test_generate_run_and_report_outputs_validate(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "twice.py").write_text(MODULE)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    bus = MessageBus()
    try:
        session = GenerationSession(
            GenerateOptions(target=project / "twice.py", iterations=2, budget_seconds=120),
            bus=bus,
            store=store,
            provider=ScriptedProvider(lambda r: FIRST if r.iteration == 1 else SECOND),
            runtime=LocalRuntime(),
        )
        outcome = await session.run()
        ran = await run_tests(
            [project / "tests"],
            project=project,
            runtime=LocalRuntime(),
            python=resolve_python(),
            bus=bus,
            store=store,
        )
        report = await report_from_store(store, outcome.session_id)
    finally:
        await bus.close()
        await store.close()

    generated = outcome.as_json()
    _validator("generate").validate(generated)
    assert generated["format"] == "regoose.generate" and generated["schema_version"] == 1
    # Two kept, two dropped and each says why; the counts add up.
    kept = [
        "tests/test_twice.py::test_double_three",
        "tests/test_twice.py::test_double_negative_is_zero",
    ]
    assert sorted(r["nodeid"] for r in generated["results"]) == sorted(kept)
    assert generated["tests"] == 2 and generated["dropped"] == 2
    assert generated["dropped_by_kind"] == {"duplicate": 1, "failing": 1}
    assert {d["nodeid"]: d["kind"] for d in generated["dropped_tests"]} == {
        "tests/test_twice.py::test_double_three_again": "duplicate",
        "tests/test_twice.py::test_double_negative": "failing",
    }
    assert outcome.drops == "2 dropped (1 duplicate, 1 failing)"

    run = ran.as_json()
    _validator("run").validate(run)
    assert sorted(r["nodeid"] for r in run["results"]) == sorted(kept)
    assert {(r["outcome"], r["message"]) for r in run["results"]} == {("passed", None)}
    assert run["tests"] == run["passed"] == 2

    document = json.loads(render_json(report))
    _validator("report").validate(document)
    assert document["summary"]["tests"] == generated["tests"]
    assert document["summary"]["dropped_by_kind"] == generated["dropped_by_kind"]
    assert parse_json(render_json(report)) == report
    # A document that breaks the schema is refused by it (the check can fail).
    broken = {**run, "results": [{"nodeid": "x", "outcome": "exploded", "duration": 0}]}
    assert not _validator("run").is_valid(broken)


def test_a_version_1_report_still_reads(tmp_path: Path) -> None:
    document = {
        "format": "regoose.report", "version": 1, "session_id": "s", "target": "m.py",
        "project": "", "provider": "offline", "runtime": "bwrap", "isolated": True,
        "status": "passed", "reason": None, "started_at": 0.0, "finished_at": None,
        "wall_seconds": 1.0, "iterations": 1,
        "summary": {"tests": 0, "passed": 0, "failed": 0, "error": 0, "skipped": 0, "dropped": 0},
        "coverage": {"line_before": None, "line_after": None, "branch_before": None,
                     "branch_after": None},
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0},
        "tests": [], "files": [],
    }  # fmt: skip
    assert parse_json(json.dumps(document)).session_id == "s"
