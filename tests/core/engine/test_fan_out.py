"""A folder's fan-out: one session per module as PARALLEL branches, --jobs at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, PlanCreated
from regoose_tui.domain.scope_targets import resolve_scope
from regoose_tui.engine.fan_out import FanOut, ScopeOutcome
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.providers.base import GenerationRequest, GenerationResult
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULES = {
    "alpha.py": "def one():\n    return 1\n",
    "beta.py": "def two():\n    return 2\n",
    "gamma.py": "def three():\n    return 3\n",
}


class _Counting(ScriptedProvider):
    """The scripted provider, slowed down: records how many modules it wrote for at once."""

    def __init__(self) -> None:
        super().__init__(_passing_test)
        self.running = 0
        self.most = 0

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.3)  # long enough for a second module to start alongside
            return await super().generate(request)
        finally:
            self.running -= 1


def _passing_test(request: GenerationRequest) -> str:
    module = request.target.module
    name = {"pkg.alpha": "one", "pkg.beta": "two", "pkg.gamma": "three"}[module]
    value = {"one": 1, "two": 2, "three": 3}[name]
    return f"from {module} import {name}\n\n\ndef test_{name}():\n    assert {name}() == {value}\n"


async def _fan_out(root: Path, tmp_path: Path, jobs: int) -> tuple[ScopeOutcome, list[Event], int]:
    counting = _Counting()
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(
        target=root, iterations=1, budget_seconds=120, out_dir=tmp_path / "out"
    )
    fan_out = FanOut(
        resolve_scope(root),
        options,
        bus=bus,
        store=store,
        jobs=jobs,
        provider=counting,
        runtime=LocalRuntime(),
    )
    try:
        outcome = await fan_out.run()
        sessions = len(await store.list_sessions())
    finally:
        await bus.close()
        await store.close()
    assert sessions == len(outcome.rows)  # one stored session per module
    return outcome, events, counting.most


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "proj" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name, source in MODULES.items():
        (pkg / name).write_text(source)
    return pkg


async def test_every_module_gets_its_tests_two_at_a_time(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    outcome, events, most = await _fan_out(pkg, tmp_path, jobs=2)
    assert most == 2  # bounded: never three at once, but two did overlap
    assert [row.target.name for row in outcome.rows] == ["alpha.py", "beta.py", "gamma.py"]
    assert all(row.ok for row in outcome.rows) and outcome.status == "passed"
    assert outcome.totals["modules"] == 3 and outcome.totals["tests"] == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "test_pkg_alpha.py",
        "test_pkg_beta.py",
        "test_pkg_gamma.py",
    ]
    # The fan-out's own plan: a node per module and the summary join.
    plans = [e for e in events if isinstance(e, PlanCreated) and e.strategy == "parallel"]
    assert len(plans) == 1
    assert [n.label for n in plans[0].nodes] == ["alpha", "beta", "gamma", "Summary"]
    data = outcome.as_json()
    assert data["format"] == "regoose.scope" and len(data["modules"]) == 3


async def test_one_jobs_runs_one_module_at_a_time_and_a_bad_module_is_one_row(
    tmp_path: Path,
) -> None:
    pkg = _package(tmp_path)
    (pkg / "delta.py").write_text("def broken(:\n    pass\n")
    outcome, _events, most = await _fan_out(pkg, tmp_path, jobs=1)
    assert most == 1
    rows = {row.target.name: row for row in outcome.rows}
    assert rows["delta.py"].outcome is None and "syntax error" in (rows["delta.py"].error or "")
    assert rows["delta.py"].session_id is not None  # recorded as a failed session
    assert all(rows[name].ok for name in MODULES)
    assert outcome.status == "failed"
    assert outcome.totals["error_modules"] == 1 and outcome.totals["passed_modules"] == 3


async def test_without_apply_every_modules_suite_is_staged_not_written(tmp_path: Path) -> None:
    from regoose_tui.engine.outcome import GenerationOutcome
    from regoose_tui.engine.review import stage_suite

    pkg = _package(tmp_path)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    bus = MessageBus()
    options = GenerateOptions(target=pkg, iterations=1, budget_seconds=120, write_files=False)

    async def stage(outcome: GenerationOutcome, module: GenerateOptions) -> tuple[Path, ...]:
        assert module.target == outcome.target and outcome.proposed_path is not None
        staged = await stage_suite(
            store,
            outcome.session_id,
            destination=outcome.proposed_path,
            root=pkg.parent,
            content=outcome.test_source,
            tests=outcome.tests,
        )
        return (staged,)

    fan_out = FanOut(
        resolve_scope(pkg),
        options,
        bus=bus,
        store=store,
        provider=ScriptedProvider(_passing_test),
        runtime=LocalRuntime(),
        after=stage,
    )
    try:
        outcome = await fan_out.run()
    finally:
        await bus.close()
        await store.close()
    assert all(row.ok for row in outcome.rows)
    assert not (pkg.parent / "tests").exists()  # nothing in the project yet
    for row in outcome.rows:
        [staged] = row.staged
        assert staged.is_file() and "def test_" in staged.read_text()
        assert pkg.parent not in staged.parents
    assert all(module["staged"] for module in outcome.as_json()["modules"])
