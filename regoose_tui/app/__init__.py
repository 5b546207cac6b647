"""The Textual app: screens, the bus-to-widget bridge and the chat turns.

This is the only part of regoose_tui that imports Textual; the CLI imports
``regoose_tui.app.main`` lazily, so `regoose generate` never pays for it.
"""
