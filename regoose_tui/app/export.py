"""The export helper lives in the core (the conversation exports too); the history screen imports it here."""

from __future__ import annotations

from regoose_tui.conversation.export import (
    EXPORT_CHOICES,
    EXPORT_SUFFIXES,
    export_path,
    export_session,
)

__all__ = ["EXPORT_CHOICES", "EXPORT_SUFFIXES", "export_path", "export_session"]
