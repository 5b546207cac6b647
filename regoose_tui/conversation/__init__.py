"""A chat session with Regoose, headless: the app renders it, the CLI and MCP can drive it.

conversation.py   Conversation: send(text) -> events; accept / reject / cancel / resume
engine_turns.py   the turns that run the engine (generate, run tests)
replies.py        the Markdown Regoose writes itself (summaries, explanations)
messages.py       every message filed in the store under its session
suites.py         proposed suites and writing the accepted one
host.py           what a face provides (settings, providers, store); StandaloneHost
export.py         a stored session's report written into the project
"""

from regoose_tui.conversation.conversation import Conversation, Listener, TurnResult
from regoose_tui.conversation.host import ConversationHost, StandaloneHost

__all__ = ["Conversation", "ConversationHost", "Listener", "StandaloneHost", "TurnResult"]
