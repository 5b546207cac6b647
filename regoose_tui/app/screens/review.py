"""Review a staged session: each proposed file as a diff, accept / reject per test and per file.

Left, the files with their test classes and tests (✓ accepted, ✗ rejected);
right, the highlighted file's diff against the project as it would be written
with the decisions so far. ``a`` / ``r`` accept or reject the entry under the
cursor (a class decides for its tests), Enter or a click flips it, ``A`` / ``R``
decide the whole file, ``w`` writes the accepted tests (the checked write and
write log, so ``regoose undo`` takes them back) and tells the chat where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from regoose_tui.app.paths import styles_path
from regoose_tui.engine.review_set import (
    ReviewDecisions,
    ReviewFile,
    ReviewSet,
    ReviewWrite,
    load_review,
)
from regoose_tui.engine.suite_diff import SuiteDiff
from regoose_tui.errors import RegooseError
from regoose_tui.widgets.diff_view import DiffRow, DiffView
from regoose_tui.widgets.review_tree import ReviewEntry, ReviewTree

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp

#: Separates a file from a test id in a tree key.
KEY_SEPARATOR = "\x1f"


def review_entries(review: ReviewSet, decisions: ReviewDecisions) -> list[ReviewEntry]:
    """The tree's plain data: one entry per file, its classes and tests under it."""
    entries = []
    for file in review.files:
        accepted, rejected = decisions.leaves_kept(file)
        note = "new" if file.current is None else "existing"
        children = []
        for test in file.reviewable:
            if test.kind == "method":
                continue
            methods = tuple(
                ReviewEntry(
                    _key(file, m.id),
                    m.name,
                    "test",
                    decisions.test_accepted(file, m.id),
                    "changed" if m.id in file.restore else "",
                )
                for m in file.reviewable
                if m.parent == test.id
            )
            children.append(
                ReviewEntry(
                    _key(file, test.id),
                    test.name,
                    "class" if test.kind == "class" else "test",
                    decisions.test_accepted(file, test.id),
                    "changed" if test.id in file.restore and not methods else "",
                    methods,
                )
            )
        entries.append(
            ReviewEntry(
                file.shown,
                file.shown,
                "file",
                decisions.file_accepted(file) and accepted > 0,
                f"{accepted}/{accepted + rejected} · {note}",
                tuple(children),
            )
        )
    return entries


def _key(file: ReviewFile, test_id: str) -> str:
    return f"{file.shown}{KEY_SEPARATOR}{test_id}"


def diff_rows(
    file: ReviewFile, decisions: ReviewDecisions
) -> tuple[list[DiffRow], SuiteDiff | None]:
    """The file's diff as it would be written now (None: the file is rejected)."""
    if not decisions.file_accepted(file):
        return [], None
    diff = file.diff(decisions.rejected(file))
    return [DiffRow(line.kind, line.old, line.new, line.text) for line in diff.lines], diff


class ReviewScreen(Screen[list[ReviewWrite] | None]):
    """The review of one staged session; dismissed with what was written (None: nothing)."""

    CSS_PATH = styles_path("review.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide(True)", "Accept", id="review.accept", tooltip="Accept this test, class or file"),
        Binding("r", "decide(False)", "Reject", id="review.reject", tooltip="Reject this test, class or file"),
        Binding("A", "decide_file(True)", "Accept file", id="review.accept_file", tooltip="Accept the whole file"),
        Binding("R", "decide_file(False)", "Reject file", id="review.reject_file", tooltip="Reject the whole file"),
        Binding("w", "apply", "Apply accepted", id="review.apply", tooltip="Write the accepted tests into the project"),
        Binding("escape", "close", "Back", id="review.close", tooltip="Back, writing nothing"),
    ]  # fmt: skip

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.review: ReviewSet | None = None
        """The staged suites, once loaded."""
        self.decisions = ReviewDecisions()
        self._shown_file: str | None = None

    @property
    def regoose(self) -> RegooseApp:
        """The app, typed."""
        return cast("RegooseApp", self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-body"):
            yield ReviewTree(id="review-tree")
            with Vertical(id="review-diff-pane"):
                yield Static("", id="review-heading")
                with VerticalScroll(id="review-diff-scroll"):
                    yield DiffView(id="review-diff")
        with Horizontal(id="review-buttons"):
            yield Button("Accept", id="accept", variant="success", tooltip="Accept (a)")
            yield Button("Reject", id="reject", variant="error", tooltip="Reject (r)")
            yield Button("Accept file", id="accept-file", tooltip="Accept the file (A)")
            yield Button("Reject file", id="reject-file", tooltip="Reject the file (R)")
            yield Button("Apply accepted", id="apply", variant="primary", tooltip="Write (w)")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#review-tree").border_title = "Proposed tests"
        self.query_one("#review-diff-pane").border_title = "Diff against the project"
        self.query_one(ReviewTree).focus()
        self.load()

    @work(group="review-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Read the staged suites and the project's files."""
        try:
            store = await self.regoose.get_store()
            self.review = await load_review(
                store, self.session_id, self.regoose.options.project_dir
            )
        except RegooseError as error:
            self.dismiss(None)
            self.regoose.show_error(error)
            return
        self.refresh_view()
        tree = self.query_one(ReviewTree)
        tree.cursor_line = 0
        self.show_file(self.review.files[0].shown)

    # --- what is shown -------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Redraw the tree's marks, the diff and the counts after a decision."""
        if self.review is None:
            return
        self.query_one(ReviewTree).set_entries(review_entries(self.review, self.decisions))
        accepted = sum(self.decisions.leaves_kept(f)[0] for f in self.review.files)
        total = sum(sum(self.decisions.leaves_kept(f)) for f in self.review.files)
        self.query_one("#review-tree").border_subtitle = f"{accepted} of {total} accepted"
        if self._shown_file is not None:
            self.show_file(self._shown_file)

    def show_file(self, shown: str) -> None:
        """Show one file's diff as it would be written with the decisions so far."""
        file = self._file(shown)
        if file is None:
            return
        self._shown_file = shown
        rows, diff = diff_rows(file, self.decisions)
        accepted, rejected = self.decisions.leaves_kept(file)
        figures = f"+{diff.added} -{diff.removed}" if diff and rows else "nothing is written"
        kind = "new file" if file.current is None else "adds to the project's file"
        self.query_one("#review-heading", Static).update(
            f"[b]{file.shown}[/b] ({kind})  {figures} · {accepted} accepted, {rejected} rejected"
        )
        empty = "Rejected: nothing of this file is written." if not rows else "No changes."
        self.query_one(DiffView).show(rows, empty)

    def _file(self, shown: str) -> ReviewFile | None:
        if self.review is None:
            return None
        return next((f for f in self.review.files if f.shown == shown), None)

    def _target(self, key: str | None) -> tuple[ReviewFile, str | None] | None:
        """The file and test id (None: the file itself) a tree key names."""
        if key is None:
            return None
        shown, _, test_id = key.partition(KEY_SEPARATOR)
        file = self._file(shown)
        return (file, test_id or None) if file is not None else None

    @on(ReviewTree.EntryHighlighted)
    def _highlighted(self, event: ReviewTree.EntryHighlighted) -> None:
        target = self._target(event.key)
        if target is not None and target[0].shown != self._shown_file:
            self.show_file(target[0].shown)

    # --- decisions -------------------------------------------------------------------------

    @on(ReviewTree.Toggled)
    def _toggled(self, event: ReviewTree.Toggled) -> None:
        target = self._target(event.key)
        if target is None:
            return
        file, test_id = target
        if test_id is None:
            accepted = self.decisions.file_accepted(file) and self.decisions.leaves_kept(file)[0]
            self.decisions.set_file(file, not accepted)
        else:
            self.decisions.toggle_test(file, test_id)
        self.refresh_view()

    def action_decide(self, accepted: bool) -> None:
        """Accept or reject the test, class or file under the cursor."""
        target = self._target(self.query_one(ReviewTree).highlighted_key)
        if target is None:
            return
        file, test_id = target
        if test_id is None:
            self.decisions.set_file(file, accepted)
        else:
            self.decisions.set_test(file, test_id, accepted)
        self.refresh_view()

    def action_decide_file(self, accepted: bool) -> None:
        """Accept or reject the whole file under the cursor."""
        target = self._target(self.query_one(ReviewTree).highlighted_key)
        if target is not None:
            self.decisions.set_file(target[0], accepted)
            self.refresh_view()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "accept": lambda: self.action_decide(True),
            "reject": lambda: self.action_decide(False),
            "accept-file": lambda: self.action_decide_file(True),
            "reject-file": lambda: self.action_decide_file(False),
            "apply": self.action_apply,
        }
        if (run := actions.get(event.button.id or "")) is not None:
            run()
        self.query_one(ReviewTree).focus()

    # --- leaving ------------------------------------------------------------------------------

    def action_apply(self) -> None:
        """Write the accepted tests, then go back to the chat."""
        if self.review is not None:
            self.apply()

    @work(group="review-apply", exclusive=True, exit_on_error=False)
    async def apply(self) -> None:
        """Apply through the conversation: the chat says what was written where."""
        assert self.review is not None
        runner = self.regoose.main_screen.runner
        if runner is None:
            return
        try:
            written = await runner.apply_review(self.review, self.decisions)
        except RegooseError as error:
            self.regoose.show_error(error)
            return
        self.dismiss(written)

    def action_close(self) -> None:
        """Back to where the review was opened from; nothing is written."""
        self.dismiss(None)
