"""Review before writing: `generate --apply / --commit`, `regoose apply`, `regoose undo`.

``regoose generate`` leaves the project alone unless ``--apply``: the suite is
staged under the data dir and one line says where, and how to write it in.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.cli.common import note, open_store, print_json, settings_for
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.errors import UsageError
from regoose_tui.store.store import SessionStore


def check_review_flags(args: argparse.Namespace) -> None:
    """Refuse flag combinations that cannot mean anything, before any work."""
    if getattr(args, "commit", False) and not getattr(args, "apply", False):
        raise UsageError("--commit needs --apply (it commits the tests written into the project)")
    if getattr(args, "apply", False) and getattr(args, "out", None):
        raise UsageError("--apply writes into the project's test folder; --out writes elsewhere")


def writes_into_project(args: argparse.Namespace, out_dir: Path | None) -> bool:
    """True when this generation may write files itself (--apply, or an --out folder)."""
    return bool(getattr(args, "apply", False)) or out_dir is not None


@dataclass
class ReviewOutcome:
    """What happened to the suite after the generation: staged, or written and committed."""

    staged: list[Path] = field(default_factory=list)
    apply_command: str | None = None
    branch: str | None = None
    commit: str | None = None

    def json_fields(self) -> dict[str, Any]:
        """The ``staged``, ``apply_command`` and ``branch`` fields of ``generate --json``."""
        return {
            "staged": [str(path) for path in self.staged],
            "apply_command": self.apply_command,
            "branch": self.branch,
            "commit": self.commit,
        }

    def lines(self) -> list[str]:
        """The lines the text output ends with."""
        lines = []
        if self.apply_command:
            lines.append(
                f"to write them into the project: {self.apply_command} (or rerun with --apply)"
            )
        if self.branch:
            lines.append(f"committed on branch {self.branch} ({(self.commit or '')[:12]})")
        return lines


async def after_generation(
    args: argparse.Namespace,
    store: SessionStore,
    outcome: GenerationOutcome,
    options: GenerateOptions,
    publish: Any = None,
) -> ReviewOutcome:
    """Stage the suite for review (no --apply), or commit what was written (--commit)."""
    from regoose_tui.domain.layout import detect_layout

    review = ReviewOutcome()
    if not options.write_files:
        if outcome.proposed_path is None or not outcome.tests or not outcome.test_source:
            return review
        layout = await asyncio.to_thread(detect_layout, options.target, options.project)
        from regoose_tui.engine.review import stage_suite

        staged = await stage_suite(
            store,
            outcome.session_id,
            destination=outcome.proposed_path,
            root=layout.root,
            content=outcome.proposed_source or outcome.test_source,
            tests=outcome.tests,
            publish=publish,
            base_sha256=outcome.merge_base_sha256,
        )
        review.staged.append(staged)
        review.apply_command = f"regoose apply {outcome.session_id}"
        return review
    if getattr(args, "commit", False) and outcome.tests_written:
        from regoose_tui.engine.commit import commit_session

        review.branch, review.commit = await commit_session(store, outcome)
    return review


async def apply_command(args: argparse.Namespace) -> int:
    """`regoose apply [SESSION]`: write the staged suites into the project."""
    from regoose_tui.engine.review import apply_session

    settings = settings_for(args)
    async with open_store(settings) as store:
        applied = await apply_session(store, args.session_id, force=args.force)
    if args.json:
        print_json(
            {
                "session_id": applied.session_id,
                "written": [str(receipt.path) for receipt in applied.receipts],
            }
        )
    else:
        for receipt in applied.receipts:
            print(f"wrote {receipt.path}")
        print(f"to take it back: regoose undo {applied.session_id}")
    return 0


async def undo_command(args: argparse.Namespace) -> int:
    """`regoose undo [SESSION]`: 0 when everything was taken back, 1 when some was left."""
    from regoose_tui.engine.undo import undo_session

    settings = settings_for(args)
    async with open_store(settings) as store:
        result = await undo_session(store, args.session_id)
    if args.json:
        print_json(
            {
                "session_id": result.session_id,
                "complete": result.complete,
                "files": [
                    {"path": line.path, "action": line.action, "detail": line.detail}
                    for line in result.lines
                ],
            }
        )
    else:
        for line in result.lines:
            print(f"{line.path}: {line.detail}")
        if not result.complete:
            note("regoose: undo left some files alone (changed since the session wrote them)")
    return 0 if result.complete else 1
