"""The session history: every stored session, fuzzy search, a preview, and actions.

Enter (or o) replays a session read-only, r resumes it on the main screen,
v reviews the tests it staged, e exports its report into the project, d
deletes it after a confirmation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Markdown

from regoose_tui.app.export import EXPORT_CHOICES, export_session
from regoose_tui.app.formatting import display_path, format_date
from regoose_tui.app.paths import styles_path
from regoose_tui.app.screens.modals import ChoiceModal, ConfirmModal
from regoose_tui.errors import RegooseError
from regoose_tui.store.records import SessionRecord
from regoose_tui.widgets.session_table import SessionRow, SessionTable

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp

#: Most sessions listed (newest first).
HISTORY_LIMIT = 500


#: Path parts kept of a target outside every known project ('…/shop/cart.py').
OUTSIDE_PARTS = 3


def short_target(record: SessionRecord, project_dir: Path | None = None) -> str:
    """The target relative to its project (else to ``project_dir``, else its last parts).

    '(+N)' is added when a run named several paths.
    """
    first = record.target.split(" ")[0]
    shown = display_path(first, record.project or project_dir)
    if shown == first and project_dir is not None:
        shown = display_path(first, project_dir)
    parts = Path(shown).parts
    if Path(shown).is_absolute() and len(parts) > OUTSIDE_PARTS + 1:
        shown = "…/" + "/".join(parts[-OUTSIDE_PARTS:])
    more = record.target.count(" ")
    return f"{shown} (+{more})" if more else shown


def session_row(record: SessionRecord, project_dir: Path | None = None) -> SessionRow:
    """A stored session as the table's plain data."""
    return SessionRow(
        id=record.id,
        date=format_date(record.created_at),
        target=short_target(record, project_dir),
        provider=record.provider if record.provider not in ("", "-") else "\u2013",
        status=record.status,
        line_percent=record.line_percent,
        branch_percent=record.branch_percent,
    )


def preview_markdown(
    record: SessionRecord,
    files: list[str],
    messages: int,
    project_dir: Path | None = None,
    staged: tuple[str, ...] = (),
) -> str:
    """The preview pane's text for one session."""
    isolation = "" if record.isolated else " — **NOT ISOLATED**"
    lines = [
        f"## {short_target(record, project_dir)}",
        "",
        f"**{record.status}**" + (f" — {record.reason}" if record.reason else ""),
        "",
        f"- session `{record.id}` ({record.kind}), {format_date(record.created_at)}",
        f"- provider **{record.provider}**, runtime **{record.runtime}**{isolation}",
    ]
    if record.tests is not None:
        lines.append(
            f"- {record.tests} tests: {record.passed or 0} passed, {record.failed or 0} failed"
        )
    if record.line_percent is not None or record.branch_percent is not None:
        lines.append(
            f"- coverage: lines {record.line_percent or 0:.0f}%, "
            f"branches {record.branch_percent or 0:.0f}%"
        )
    if record.wall_seconds is not None:
        lines.append(f"- took {record.wall_seconds:.1f} s")
    if files:
        lines += ["", "**Files written**", ""]
        lines += [f"- `{display_path(path, record.project or project_dir)}`" for path in files]
    if staged:
        lines += ["", "**Staged for review** (v reviews them)", ""]
        lines += [f"- `{display_path(path, record.project or project_dir)}`" for path in staged]
    lines += ["", f"{messages} chat message(s). Enter replays · r resumes · e exports · d deletes"]
    return "\n".join(lines)


class HistoryScreen(Screen[None]):
    """Past sessions: search, preview, replay, resume, export, delete."""

    CSS_PATH = styles_path("history.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="history.close", tooltip="Back to the chat"),
        Binding("o", "open", "Replay", id="history.open", tooltip="Replay the session read-only"),
        Binding("r", "resume", "Resume", id="history.resume", tooltip="Continue this session"),
        Binding("e", "export", "Export", id="history.export", tooltip="Write its report"),
        # Out of the footer (which stays as it was): F1 lists it, and the preview says it.
        Binding(
            "v",
            "review",
            "Review",
            show=False,
            id="history.review",
            tooltip="Review the tests it staged",
        ),
        Binding("d", "delete", "Delete", id="history.delete", tooltip="Delete the session"),
        Binding("slash", "search", "Search", id="history.search", tooltip="Fuzzy search"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, SessionRecord] = {}
        """Listed sessions by id."""
        self.loaded = False
        """True once the first listing arrived."""

    @property
    def regoose(self) -> RegooseApp:
        return cast("RegooseApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Input(placeholder="Fuzzy search: target, provider, status, date…", id="search")
            with Horizontal(id="history-body"):
                yield SessionTable(id="sessions")
                with VerticalScroll(id="preview"):
                    yield Markdown("Select a session to preview it.", id="preview-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history").border_title = "Sessions"
        self.query_one("#preview").border_title = "Preview"
        self.query_one("#search", Input).cursor_blink = self.regoose.options.cursor_blink
        self.query_one(SessionTable).focus()
        self.reload()

    @work(group="history-load", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        """List the sessions from the store."""
        try:
            store = await self.regoose.get_store()
            records = await store.list_sessions(limit=HISTORY_LIMIT)
        except RegooseError as error:
            self.regoose.show_error(error)
            return
        self.records = {record.id: record for record in records}
        table = self.query_one(SessionTable)
        project_dir = self.regoose.options.project_dir
        table.set_rows(session_row(record, project_dir) for record in records)
        self.query_one("#history").border_subtitle = f"{len(records)} sessions"
        self.loaded = True
        if not records:
            await self.query_one("#preview-body", Markdown).update(
                "No sessions yet: generate or run tests from the chat."
            )

    @property
    def selected_id(self) -> str | None:
        """The session under the table's cursor."""
        table = self.query_one(SessionTable)
        ids = table.visible_ids
        if not ids or not 0 <= table.cursor_row < len(ids):
            return None
        return ids[table.cursor_row]

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.query_one(SessionTable).filter_text = event.value

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(SessionTable).focus()

    @on(SessionTable.Highlighted)
    def _highlighted(self, event: SessionTable.Highlighted) -> None:
        self.show_preview(event.session_id)

    @on(SessionTable.Selected)
    def _selected(self, event: SessionTable.Selected) -> None:
        self.regoose.open_session(event.session_id)

    @work(group="history-preview", exclusive=True, exit_on_error=False)
    async def show_preview(self, session_id: str) -> None:
        """Fill the preview pane for one session."""
        record = self.records.get(session_id)
        if record is None:
            return
        store = await self.regoose.get_store()
        try:
            files = [stored.path for stored in await store.files(session_id)]
            messages = len(await store.messages(session_id))
            staged = tuple(p.path for p in await store.writes.proposals(session_id))
        except RegooseError:
            files, messages, staged = [], 0, ()
        await self.query_one("#preview-body", Markdown).update(
            preview_markdown(record, files, messages, self.regoose.options.project_dir, staged)
        )

    def action_close(self) -> None:
        """Back to the chat."""
        self.dismiss()

    def action_search(self) -> None:
        """Focus the search box."""
        self.query_one("#search", Input).focus()

    def action_open(self) -> None:
        """Replay the selected session."""
        if (session_id := self.selected_id) is not None:
            self.regoose.open_session(session_id)

    async def action_resume(self) -> None:
        """Continue the selected session on the main screen."""
        if (session_id := self.selected_id) is not None:
            await self.regoose.resume_session(session_id)

    def action_review(self) -> None:
        """Review the tests the selected session staged (per file and per test)."""
        if (session_id := self.selected_id) is not None:
            self.regoose.open_review(session_id)

    def action_export(self) -> None:
        """Ask for a format, then write the report into the project."""
        session_id = self.selected_id
        if session_id is None:
            return

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                self.export(session_id, fmt)

        self.app.push_screen(ChoiceModal("Export report", EXPORT_CHOICES), chosen)

    @work(group="history-export", exit_on_error=False)
    async def export(self, session_id: str, fmt: str) -> None:
        """Write one report file."""
        try:
            store = await self.regoose.get_store()
            path = await export_session(store, session_id, fmt, self.regoose.options.project_dir)
        except RegooseError as error:
            self.regoose.show_error(error)
            return
        self.notify(f"Exported {path.name}", title="Report written")

    def action_delete(self) -> None:
        """Delete the selected session after a confirmation."""
        session_id = self.selected_id
        if session_id is None:
            return
        record = self.records[session_id]

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.delete(session_id)

        self.app.push_screen(
            ConfirmModal(
                "Delete session",
                f"Delete session {session_id} "
                f"({short_target(record, self.regoose.options.project_dir)}) and everything "
                "recorded for it? Test files already written stay on disk.",
                yes="Delete",
            ),
            confirmed,
        )

    @work(group="history-delete", exit_on_error=False)
    async def delete(self, session_id: str) -> None:
        """Delete one session, then list again."""
        try:
            store = await self.regoose.get_store()
            await store.delete_session(session_id)
        except RegooseError as error:
            self.regoose.show_error(error)
            return
        self.notify(f"Deleted session {session_id}")
        self.reload()
