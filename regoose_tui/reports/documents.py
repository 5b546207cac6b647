"""The JSON documents of `generate --json` and `run --json`, and their published schemas.

Each document names its ``format`` and ``schema_version``; `regoose schema
report|generate|run` prints the JSON Schema generated from these models, so a
CI tool can validate what it reads. The two command outputs allow keys beyond
the schema (a consumer ignores what it does not know), so a newer Regoose
can add a figure without breaking older readers; the report is closed.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from regoose_tui.reports.json_report import ReportDocument

GENERATE_FORMAT: Final = "regoose.generate"
RUN_FORMAT: Final = "regoose.run"
#: Bumped when a key changes meaning or goes away (adding one is compatible).
OUTPUT_SCHEMA_VERSION: Final = 1

Coverage = float | None


class _Output(BaseModel):
    model_config = ConfigDict(extra="allow")


class TestOutcomeEntry(BaseModel):
    """One test and how it ended; ``nodeid`` reruns with pytest from the project root."""

    __test__ = False
    model_config = ConfigDict(extra="forbid")

    nodeid: str = Field(description="pytest node id, relative to the project root")
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration: float = Field(ge=0, description="seconds")
    message: str | None = None
    why: str | None = Field(
        None, description="why the test was kept (generate): runs passed, coverage added"
    )


class DroppedEntry(BaseModel):
    """A test the validator did not keep, and why."""

    model_config = ConfigDict(extra="forbid")

    nodeid: str = Field(description="where it would have been, from the project root")
    kind: Literal["duplicate", "flaky", "failing", "no new coverage", "not collected"]
    reason: str


class SuspectedBugEntry(BaseModel):
    """A test kept as ``xfail(strict=True)`` because the code, not the test, looks wrong."""

    model_config = ConfigDict(extra="forbid")

    test: str = Field(description="the test's name in its module")
    input: str = Field(description="the call that shows it")
    observed: str = Field(description="what the code did")
    why: str = Field(description="why that looks like a bug")


class IterationEntry(BaseModel):
    """One generate -> run -> validate round."""

    model_config = ConfigDict(extra="allow")

    iteration: int = Field(ge=1)
    kept: int = Field(ge=0, description="new tests kept")
    repaired: int = Field(ge=0, description="failing tests sent back for repair")
    dropped: int = Field(ge=0)
    flaky: int = Field(ge=0)
    line_before: float
    line_after: float
    branch_before: float
    branch_after: float


class TokenCounts(BaseModel):
    """Model tokens spent (0 for the offline engine)."""

    prompt: int = Field(0, ge=0)
    completion: int = Field(0, ge=0)
    total: int = Field(0, ge=0)


class PythonEntry(BaseModel):
    """The interpreter that ran the project's code, and why that one."""

    path: str
    source: Literal["--python", "project", "VIRTUAL_ENV", "regoose"] = Field(
        description="--python, the project's .venv/venv, the active VIRTUAL_ENV, or Regoose's own"
    )
    version: str
    note: str = ""


class BaselineEntry(BaseModel):
    """Coverage of the target by the project's own tests, before and with the new file."""

    files: list[str] = Field(description="the project's test files that import the target")
    tests: int = Field(ge=0, description="project tests run for the target")
    failing_before: int = Field(ge=0, description="project tests failing before generation")
    line_before: float
    branch_before: float
    line_after: float = Field(description="project tests and the new file in one run")
    branch_after: float
    line_delta: float
    branch_delta: float
    broken: list[str] = Field(
        default=[], description="project tests that passed before and fail beside the new file"
    )
    new_failing: list[str] = Field(
        default=[], description="new tests that fail in the run beside the project's tests"
    )
    note: str | None = None


class GenerateDocument(_Output):
    """What `regoose generate --json` prints: one object."""

    format: Literal["regoose.generate"] = GENERATE_FORMAT
    schema_version: Literal[1] = OUTPUT_SCHEMA_VERSION
    session_id: str
    provider: str
    runtime: str
    isolated: bool
    target: str
    status: str
    tests_written: list[str]
    tests: int = Field(ge=0, description="tests kept in the suite")
    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    dropped: int = Field(ge=0, description="tests dropped on the way (see dropped_tests)")
    dropped_by_kind: dict[str, int]
    line_coverage: float
    branch_coverage: float
    iterations: int = Field(ge=0)
    wall_seconds: float = Field(ge=0)
    report: str | None = Field(description="the first report written (see reports)")
    reports: list[str] = Field(default=[], description="every report written (--report)")
    reason: str | None
    python: PythonEntry | None = Field(None, description="the interpreter the tests ran with")
    results: list[TestOutcomeEntry]
    dropped_tests: list[DroppedEntry]
    tokens: TokenCounts = Field(
        default_factory=lambda: TokenCounts(), description="model tokens of the whole session"
    )
    cost_usd: float = Field(0.0, ge=0, description="model cost in USD (priced calls only)")
    baseline: BaselineEntry | None = Field(
        None, description="the project's own tests: baseline coverage, final coverage, delta"
    )
    stopped_by: (
        Literal["iterations", "budget", "cost", "plateau", "complete", "provider"] | None
    ) = Field(None, description="what ended the generate -> run -> repair loop")
    stop_detail: str | None = Field(None, description="the stop in words, with its figures")
    suspected_bugs: list[SuspectedBugEntry] = Field(
        default=[], description="tests kept as strict xfail: the code looks wrong"
    )
    notes: list[str] = Field(default=[], description="one-line notes for the user")
    iteration_log: list[IterationEntry] = Field(default=[], description="every round's figures")
    staged: list[str] = Field(
        default=[],
        description="suites staged for review under the data dir (no --apply): not in the "
        "project yet",
    )
    apply_command: str | None = Field(
        None, description="the command that writes the staged suites into the project"
    )
    branch: str | None = Field(None, description="the branch --commit created")
    commit: str | None = Field(None, description="the commit --commit made on that branch")
    origins: dict[str, str] = Field(
        default={},
        description="who wrote each kept test, by test function name: offline, llm "
        "(or the provider's name)",
    )


class RunDocument(_Output):
    """What `regoose run --json` prints: totals and every test's outcome."""

    format: Literal["regoose.run"] = RUN_FORMAT
    schema_version: Literal[1] = OUTPUT_SCHEMA_VERSION
    session_id: str
    runtime: str
    isolated: bool
    status: str
    reason: str | None
    tests: int = Field(ge=0, description="number of tests run (see results)")
    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    errors: int = Field(ge=0)
    skipped: int = Field(ge=0)
    line_coverage: Coverage
    branch_coverage: Coverage
    wall_seconds: float = Field(ge=0)
    results: list[TestOutcomeEntry]


#: `regoose schema NAME` -> the model whose schema it prints.
SCHEMAS: dict[str, type[BaseModel]] = {
    "report": ReportDocument,
    "generate": GenerateDocument,
    "run": RunDocument,
}


def json_schema(name: str) -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of the document called ``name``."""
    model = SCHEMAS[name]
    schema = model.model_json_schema(mode="serialization")
    version = model.model_fields["schema_version"].default
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://regoose.dev/schemas/{name}-v{version}.json",
        **schema,
    }
