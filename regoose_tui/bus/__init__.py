"""The in-process async message bus (see ``bus`` for the tour).

Importing this package pulls in pydantic and asyncio only, never textual.
"""

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.coalesce import register_merger
from regoose_tui.bus.requests import Responder, ResponderRegistration
from regoose_tui.bus.subscription import Handler, Subscription, SubscriptionStats
from regoose_tui.bus.topics import TopicPattern, compile_pattern

__all__ = [
    "Handler",
    "MessageBus",
    "Responder",
    "ResponderRegistration",
    "Subscription",
    "SubscriptionStats",
    "TopicPattern",
    "compile_pattern",
    "register_merger",
]
