"""A generated test has one name: the node id of the written file, from the project root.

The records, the store, and every report name it that way; a real JUnit
consumer (junitparser) reads classnames that are the file's dotted module
path, and each node id reruns with pytest from the project root.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from regoose_tui.bus.bus import MessageBus
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.reports import render_json, render_junit, render_markdown, report_from_store
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULE = """
def sign(n: int) -> str:
    if n > 0:
        return "positive"
    if n < 0:
        return "negative"
    return "zero"
"""

SUITE = """
from calc import sign


def test_sign_positive():
    assert sign(3) == "positive"


def test_sign_wrong_expectation():
    assert sign(-1) == "positive"


class TestZero:
    def test_zero(self):
        assert sign(0) == "zero"
"""


def _write(request: GenerationRequest) -> str:
    return SUITE


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "calc.py").write_text(MODULE)
    return root


async def _generate(project: Path, store: SessionStore) -> GenerationOutcome:
    bus = MessageBus()
    options = GenerateOptions(
        target=project / "calc.py", iterations=1, budget_seconds=120, force=True
    )
    session = GenerationSession(
        options, bus=bus, store=store, provider=ScriptedProvider(_write), runtime=LocalRuntime()
    )
    try:
        return await session.run()
    finally:
        await bus.close()


async def test_records_store_and_reports_name_the_written_file(
    project: Path, tmp_path: Path
) -> None:
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    try:
        first = await _generate(project, store)
        second = await _generate(project, store)
        report = await report_from_store(store, first.session_id)
        again = await report_from_store(store, second.session_id)
    finally:
        await store.close()
    kept = {
        "tests/test_calc.py::test_sign_positive",
        "tests/test_calc.py::TestZero::test_zero",
    }
    assert {r.name for r in first.records} == kept
    assert (
        first.dropped and first.dropped[0][0] == "tests/test_calc.py::test_sign_wrong_expectation"
    )
    assert first.dropped[0][1].startswith("failed")
    stored = {t.nodeid: t.outcome for t in report.tests}
    assert stored == {**dict.fromkeys(kept, "passed"), first.dropped[0][0]: "dropped"}
    # The same generation run twice names its tests the same (CI history keys on it).
    assert [t.nodeid for t in again.tests] == [t.nodeid for t in report.tests]
    for text in (render_markdown(report), render_json(report)):
        assert "regoose-session" not in text and "/tmp/" not in text.replace(str(tmp_path), "")

    junit = tmp_path / "report.xml"
    junit.write_text(render_junit(report))
    cases = [case for suite in JUnitXml.fromfile(str(junit)) for case in suite]
    assert {(c.classname, c.name) for c in cases} == {
        ("tests.test_calc", "test_sign_positive"),
        ("tests.test_calc.TestZero", "test_zero"),
        ("tests.test_calc", "test_sign_wrong_expectation"),
    }
    for case in cases:
        module, *classes = case.classname.split(".TestZero")
        file = module.replace(".", "/") + ".py"
        assert (project / file).is_file()
        if case.result:  # the dropped one is reported as skipped, not rerun
            continue
        nodeid = "::".join([file, *(["TestZero"] if classes else []), case.name])
        rerun = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "1 passed" in rerun.stdout
