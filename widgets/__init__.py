"""Presentation widgets: plain data in, Textual messages out.

Nothing here knows about agents, the bus or the engine. Import the widgets
from their modules (``regoose_tui.widgets.live_log``); this file stays empty
so that resolving the package costs nothing.
"""
