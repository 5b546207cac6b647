"""The progress lines `regoose generate` prints on stderr, read off the reducer's state.

The CLI folds every event through the same :class:`ViewReducer` as the app,
then says what changed in plain text: which provider and runtime the session
got (and whether it is isolated), and each agent's progress note as the node
history records it.
"""

from __future__ import annotations

from regoose_tui.bus.events import AgentProgress, Event, RunOutput, SessionStarted
from regoose_tui.viewstate.reducer import ViewReducer


class ProgressLines:
    """Turns each event into the lines a headless run prints (often none)."""

    def __init__(self, *, show_output: bool = False, reducer: ViewReducer | None = None) -> None:
        self.show_output = show_output
        """True also prints each run's output, indented, as the run printed it."""
        self.reducer = reducer or ViewReducer()
        """The state the lines are read from."""

    def lines_for(self, event: Event) -> list[str]:
        """Fold ``event`` and return the lines it adds to the progress, without newlines."""
        reducer = self.reducer
        reducer.apply(event)
        # Nobody draws a log or a chat here: let go of them, or a long run piles them up.
        reducer.take_log()
        reducer.take_run_labels()
        reducer.take_tokens()
        match event:
            case SessionStarted():
                status = reducer.status
                isolation = "" if status.isolated else " (NOT ISOLATED)"
                return [f"provider {status.provider}, runtime {status.runtime}{isolation}"]
            case AgentProgress():
                note = reducer.latest_history(event.node_id or event.agent)
                return [f"  {note}"] if note is not None else []
            case RunOutput() if self.show_output:
                # Raw, as the run printed it: a terminal colours nothing red for us here.
                return [f"    {line}" for line in event.lines]
            case _:
                return []
