"""The main screen: chat on the left, plan graph and live test log on the right.

The screen composes the widgets, starts the bus bridge and routes: a sent
message becomes a turn worker, Esc cancels it, a test-file block's buttons
accept, reject or open the suite, Enter on a plan node opens its details.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from regoose_tui.app.bus_bridge import BridgeTargets, BusBridge, LogPerSession
from regoose_tui.app.paths import styles_path
from regoose_tui.app.screens.modals import CodeViewer, ConfirmModal, NodeDetail
from regoose_tui.app.turns import TurnRunner
from regoose_tui.chat.intents import SLASH_COMMANDS
from regoose_tui.errors import RegooseError
from regoose_tui.widgets.assistant_message import AssistantMessage
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar, StatusInfo
from regoose_tui.widgets.test_file_block import TestFileBlock

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp
    from regoose_tui.config import Settings

#: Seconds within which a second Esc asks to force-stop a turn that is still stopping.
FORCE_WINDOW = 3.0


def log_per_session(settings: Settings) -> LogPerSession:
    """'keep' or 'clear' from ``ui.log_per_session`` when the config has it, else 'keep'."""
    value = getattr(settings.ui, "log_per_session", "keep")
    return "clear" if value == "clear" else "keep"


WELCOME = """\
**Regoose** writes, runs and repairs pytest tests for your code.

- `/generate shop/cart.py` — or just *write tests for shop/cart.py*
- `/run` runs the project's tests in the sandbox; *why did it fail?* explains
- **Tab** completes commands and paths · **F1** keys · **F2** sessions · **Ctrl+P** palette
"""


class MainScreen(Screen[None]):
    """Chat, plan graph, live log and status bar, fed by one bus bridge."""

    # Typed as textual's own ClassVar so a subclass may give a list (the replay screen).
    CSS_PATH: ClassVar[CSSPathType | None] = styles_path("main.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel_turn",
            "Cancel",
            id="main.cancel",
            tooltip="Cancel the running turn; press again to force a stop",
        ),
        Binding(
            "ctrl+l", "clear_log", "Clear log", id="main.clear_log", tooltip="Empty the test log"
        ),
        Binding(
            "ctrl+g",
            "focus_pane('plan')",
            "Plan",
            id="main.focus_plan",
            tooltip="Focus the plan graph (arrows move, Enter opens an agent)",
        ),
        Binding(
            "ctrl+o",
            "focus_pane('log')",
            "Log",
            id="main.focus_log",
            tooltip="Focus the test log (/ search, End follow, c copy)",
        ),
        Binding(
            "ctrl+t",
            "focus_pane('chat-input')",
            "Chat",
            show=False,
            id="main.focus_chat",
            tooltip="Focus the chat input",
        ),
    ]

    #: A replay shows a stored session: no input, no turns.
    read_only: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.bridge: BusBridge | None = None
        self.runner: TurnRunner | None = None
        self.turn_worker: Worker[None] | None = None
        """The running (or last) turn."""
        self._cancel_pressed_at: float | None = None

    @property
    def regoose(self) -> RegooseApp:
        """The app, typed."""
        return cast("RegooseApp", self.app)

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        settings = self.regoose.settings
        with Horizontal(id="workspace"):
            with Vertical(id="chat-pane"):
                yield ChatView(id="chat")
                if not self.read_only:
                    chat_input = ChatInput(
                        commands=tuple(SLASH_COMMANDS),
                        root=self.regoose.options.project_dir,
                        id="chat-input",
                    )
                    chat_input.cursor_blink = self.regoose.options.cursor_blink
                    yield chat_input
            with Vertical(id="run-pane"):
                yield PlanGraph(id="plan")
                yield LiveLog(max_lines=settings.ui.log_max_lines, id="log")
        yield StatusBar(
            StatusInfo(provider=settings.provider.name, runtime=settings.runtime.name),
            id="status",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#chat-pane").border_title = "Chat"
        plan = self.query_one(PlanGraph)
        plan.border_title = "Plan"
        plan.border_subtitle = "idle"
        plan.placeholder = "No plan yet: ask for tests and the agents show up here."
        plan.spinning = self.regoose.options.animations
        log = self.query_one(LiveLog)
        log.border_title = "Test output"
        self._update_log_subtitle()
        self.bridge = BusBridge(
            BridgeTargets(plan=plan, log=log, status=self.query_one(StatusBar)),
            clock=self.regoose.options.clock,
            project_dir=self.regoose.options.project_dir,
            log_per_session=log_per_session(self.regoose.settings),
        )
        self.bridge.start(self, None if self.read_only else self.regoose.bus)
        chat = self.query_one(ChatView)
        self.runner = TurnRunner(self.regoose, chat, self.bridge)
        if not self.read_only:
            chat.mount(AssistantMessage(WELCOME, classes="welcome"))
            self.query_one(ChatInput).focus()
            self.probe_runtime()
        self.after_mount()

    def after_mount(self) -> None:
        """Subclasses finish mounting here.

        Textual runs every ``on_mount`` along the class hierarchy, so a subclass
        defining its own would set up the bridge twice; it overrides this instead.
        """

    def on_unmount(self) -> None:
        if self.bridge is not None:
            self.bridge.stop()
        if self.runner is not None and (watch := self.runner.close_watch()) is not None:
            self.regoose.stopping_watches.append(watch)  # the app awaits it before closing

    @work(group="probe", exit_on_error=False)
    async def probe_runtime(self) -> None:
        """Show which sandbox `auto` resolves to, and NOT ISOLATED for local."""
        import asyncio

        from regoose_tui.runtime.registry import get_runtime

        try:
            runtime = await asyncio.to_thread(get_runtime, self.regoose.settings.runtime.name)
        except RegooseError as error:
            await self.query_one(ChatView).add_notice(f"{error.title}: {error.msg}", "warning")
            return
        if self.bridge is not None:
            self.bridge.set_status(runtime=runtime.name, isolated=runtime.isolated)

    # --- turns ---------------------------------------------------------------------------

    @property
    def turn_running(self) -> bool:
        """True while a turn's worker has not finished."""
        return self.turn_worker is not None and not self.turn_worker.is_finished

    async def on_chat_input_submitted(self, event: ChatInput.Submitted) -> None:
        """Show the message and start its turn (one turn at a time)."""
        event.stop()
        if self.turn_running:
            self.notify("A turn is running: Esc cancels it.", severity="warning", timeout=3)
            return
        await self.query_one(ChatView).add_user_message(event.text)
        self.submit(event.text)

    def submit(self, text: str) -> Worker[None]:
        """Start a turn for ``text`` (also used by the palette and resume)."""
        # run_worker, not @work(...): textual types a configured @work as Worker[Never].
        self.turn_worker = self.run_worker(
            partial(self.run_turn, text),
            name="run_turn",
            group="turn",
            description=f"run_turn({text!r})",
            exclusive=True,
            exit_on_error=False,
        )
        self._cancel_pressed_at = None
        return self.turn_worker

    async def run_turn(self, text: str) -> None:
        """One turn, run as an async worker by submit: the UI stays responsive meanwhile."""
        assert self.runner is not None
        await self.runner.handle(text)

    def action_cancel_turn(self) -> None:
        """Esc: cancel the turn; a second Esc soon after asks to force the stop."""
        worker = self.turn_worker
        if (
            self.runner is not None
            and self.runner.watching
            and (worker is None or worker.is_finished)
        ):
            self.stop_watch()  # nothing else runs: Esc ends the /watch
            return
        if worker is None or worker.is_finished or self.runner is None:
            return
        now = time.monotonic()
        if self._cancel_pressed_at is not None and now - self._cancel_pressed_at < FORCE_WINDOW:
            self.app.push_screen(
                ConfirmModal(
                    "Force stop",
                    "The turn is still stopping. Kill its sandbox now and leave it?",
                    yes="Kill",
                ),
                self._force_stop,
            )
            return
        self._cancel_pressed_at = now
        self.runner.cancel()
        worker.cancel()
        self.notify("Cancelling… press Esc again to force.", timeout=FORCE_WINDOW)

    @work(group="watch-stop", exclusive=True, exit_on_error=False)
    async def stop_watch(self) -> None:
        """End the /watch (its running rerun's sandbox is killed first)."""
        if self.runner is not None:
            await self.runner.stop_watch()

    async def _force_stop(self, confirmed: bool | None) -> None:
        """Leave a turn that does not stop: the UI is free again, the task is cancelled."""
        if not confirmed or self.runner is None:
            return
        self.runner.cancel()
        if self.turn_worker is not None:
            self.turn_worker.cancel()
        self.turn_worker = None
        self.query_one(PlanGraph).border_subtitle = "stopped"
        await self.query_one(ChatView).add_notice("Turn stopped (forced).", "warning")

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report how a turn ended (by state and exception type, never by worker name)."""
        if event.worker is not self.turn_worker or not event.worker.is_finished:
            return
        chat = self.query_one(ChatView)
        if event.state == WorkerState.CANCELLED:
            await chat.add_notice("Turn cancelled.", "warning")
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            await chat.add_notice(f"Unexpected error: {error}", "error")
            self.regoose.show_unexpected(error)

    # --- test-file blocks ---------------------------------------------------------------

    @on(TestFileBlock.Accepted)
    def _accept(self, event: TestFileBlock.Accepted) -> None:
        self.accept_block(event.block)

    @work(group="files", exit_on_error=False)
    async def accept_block(self, block: TestFileBlock) -> None:
        """Write the accepted file; on refusal the block is undecided again."""
        assert self.runner is not None
        try:
            await self.runner.accept(block.block_id)
        except RegooseError as error:
            block.decision = "undecided"
            self.regoose.show_error(error)

    @on(TestFileBlock.Rejected)
    async def _reject(self, event: TestFileBlock.Rejected) -> None:
        assert self.runner is not None
        await self.runner.reject(event.block_id)

    @on(TestFileBlock.ReviewRequested)
    def _review(self, event: TestFileBlock.ReviewRequested) -> None:
        self.regoose.open_review(event.block_id)

    @on(TestFileBlock.Opened)
    def _open(self, event: TestFileBlock.Opened) -> None:
        test_file = event.block.test_file
        self.app.push_screen(CodeViewer(test_file.path, test_file.code))

    # --- plan and log ----------------------------------------------------------------------

    @on(PlanGraph.NodeSelected)
    def _node_selected(self, event: PlanGraph.NodeSelected) -> None:
        self.open_node(event.node_id)

    def open_node(self, node_id: str) -> None:
        """Show one agent's events and output."""
        if self.bridge is None:
            return
        node = next((n for n in self.bridge.nodes if n.id == node_id), None)
        label = node.label if node else node_id
        state = f" · {node.state}" if node else ""
        self.app.push_screen(NodeDetail(f"{label}{state}", self.bridge.node_history(node_id)))

    @on(LiveLog.FollowChanged, "#log")
    @on(LiveLog.FilterChanged, "#log")
    def _log_state_changed(self) -> None:
        self._update_log_subtitle()

    def _update_log_subtitle(self) -> None:
        """'run 2: validate · following': the run filter (f cycles it) and follow mode."""
        log = self.query_one(LiveLog)
        run_id = log.log_filter.run_id if log.log_filter else None
        parts = [f"{log.run_label(run_id)} (f: next run)"] if run_id else []
        parts.append("following" if log.follow else "paused — End to follow")
        log.border_subtitle = " · ".join(parts)

    def action_clear_log(self) -> None:
        """Empty the log (the lines stay in the session store)."""
        self.query_one(LiveLog).clear()

    def action_focus_pane(self, pane_id: str) -> None:
        """Focus the plan, the log or the chat input."""
        for widget in self.query(f"#{pane_id}"):
            widget.focus()

    # --- resume ---------------------------------------------------------------------------

    async def resume(self, session_id: str) -> None:
        """Continue a stored session: its chat comes back, /export and /explain refer to it."""
        store = await self.regoose.get_store()
        record = await store.get_session(session_id)
        chat = self.query_one(ChatView)
        await chat.add_notice(f"Resumed session {session_id} ({record.target}).")
        assert self.runner is not None  # set up on mount
        for message in await self.runner.resume(session_id):
            if message.role == "user":
                await chat.add_user_message(message.text)
            else:
                await chat.mount(AssistantMessage(message.text))
        command = "/run" if record.kind == "run" else "/generate"
        chat_input = self.query_one(ChatInput)
        target = record.target
        try:
            target = Path(target).relative_to(self.regoose.options.project_dir).as_posix()
        except ValueError:
            pass  # outside the project: keep the absolute path
        chat_input.value = f"{command} {target}"
        chat_input.focus()
