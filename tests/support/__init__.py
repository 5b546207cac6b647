"""Shared test helpers that are real parts, not doubles (see openai_server)."""
