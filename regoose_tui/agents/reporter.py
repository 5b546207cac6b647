"""Reporter: write the kept suite to the user's tree, atomically and never over their files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.agents.validator import KeptSuite
from regoose_tui.bus.events import TestsWritten
from regoose_tui.errors import StoreError
from regoose_tui.store.write_log import WriteReceipt
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.typed_errors import raise_for


@dataclass(frozen=True)
class ReportInput:
    kept: KeptSuite | None
    out_path: Path
    force: bool
    known_sha256: frozenset[str] = frozenset()
    write: bool = True
    #: The file's whole text when it is not ``kept.source`` alone (the project's own
    #: test file with the suite added as new classes).
    content: str | None = None


@dataclass(frozen=True)
class Written:
    """Where the suite went (None when nothing was worth writing)."""

    path: Path | None
    tests: int
    content: str = ""
    #: False when the suite was kept in memory only (the app writes it on Accept).
    written: bool = True
    #: What the write replaced (for `regoose undo`); None when nothing was written.
    receipt: WriteReceipt | None = None
    #: The suite as written (its repeats of the project's tests left out); None: nothing.
    kept: KeptSuite | None = None


class ReporterAgent(BaseAgent[ReportInput, Written]):
    """Writes the final test module; the session writes the report beside it.

    The write goes through the filesystem tool's ``write_generated`` operation
    (atomic, never over a file the user edited unless ``force``), rooted at the
    output folder; a refusal comes back as the same FileExistsRefused as ever.
    """

    name = "reporter"
    capabilities = ("atomic-write", "reports")

    def __init__(self, context: AgentContext, files: FilesystemTool) -> None:
        super().__init__(context)
        self.files = files

    async def run(self, value: ReportInput) -> Written:
        kept = value.kept
        if kept is not None and kept.source and not kept.tests and value.content is not None:
            # Joined into the project's file, every kept test was one of its own.
            self.progress(f"every kept test repeats one in {value.out_path}: nothing written")
            return Written(None, 0)
        if kept is None or not kept.tests:
            self.progress("no test passed and added coverage: nothing written")
            return Written(None, 0)
        content = kept.source if value.content is None else value.content
        if not value.write:
            self.progress(f"{len(kept.tests)} tests ready for {value.out_path} (not written yet)")
            return Written(value.out_path, len(kept.tests), content, written=False, kept=kept)
        receipt = await self._write(value, content)
        path = receipt.path
        report = kept.report
        self.context.emit(
            TestsWritten(
                path=str(path),
                tests=len(kept.tests),
                passed=report.passed if report else len(kept.tests),
                failed=report.failed if report else 0,
                content=content,
                session_id=self.context.session_id,
            )
        )
        joined = " as new classes" if value.content is not None else ""
        self.progress(f"wrote {len(kept.tests)} tests to {path}{joined}")
        return Written(path, len(kept.tests), content, receipt=receipt, kept=kept)

    async def _write(self, value: ReportInput, source: str) -> WriteReceipt:
        try:
            relative = value.out_path.relative_to(self.files.root)
        except ValueError:
            raise StoreError(
                f"{value.out_path} is outside the output folder {self.files.root}"
            ) from None
        result = await self.files.execute(
            "write_generated",
            path=relative.as_posix(),
            content=source,
            force=value.force,
            known_sha256=sorted(value.known_sha256),
        )
        raise_for(result, StoreError)
        return WriteReceipt.from_tool_output(self.files.root, result.output)

    def summarize(self, result: Written) -> str:
        if result.path is None:
            return "nothing written"
        return f"wrote {result.path}" if result.written else f"ready for {result.path}"
