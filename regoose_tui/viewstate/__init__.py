"""Bus events folded into plain view state, with no screen: the headless half of the bridge.

The Textual bridge (regoose_tui.app.bus_bridge), the replay screen and the
CLI's progress lines all fold events through :class:`ViewReducer`, so what a
live run shows, what a replay shows and what ``regoose generate`` prints come
from one set of rules. Nothing here imports Textual, the app or the widgets.
"""

from __future__ import annotations

from regoose_tui.viewstate.reducer import NODE_HISTORY_LINES, ViewReducer
from regoose_tui.viewstate.state import LogBatch, LogPerSession, PlanNode, ViewStatus

__all__ = [
    "NODE_HISTORY_LINES",
    "LogBatch",
    "LogPerSession",
    "PlanNode",
    "ViewReducer",
    "ViewStatus",
]
