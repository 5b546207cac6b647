"""ChatInput: the chat's one-line input with completion and history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from .command_suggester import DEFAULT_COMMANDS, CommandSuggester


class ChatInput(Input):
    """Type a message or a slash command; Tab or → accepts the grey completion."""

    DEFAULT_CSS = """
    ChatInput {
        /* The parent's background under the border: one clean line, no filled band. */
        background: transparent;
        border: round $primary 50%;
        padding: 0 1;
        &:focus { border: round $primary; background-tint: $foreground 0%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "history(-1)",
            "Previous",
            show=False,
            id="chat_input.history_previous",
            tooltip="Recall the previous message",
        ),
        Binding(
            "down",
            "history(1)",
            "Next",
            show=False,
            id="chat_input.history_next",
            tooltip="Recall the next message",
        ),
        Binding(
            "tab",
            "complete",
            "Complete",
            show=False,
            id="chat_input.complete",
            tooltip="Accept the suggested completion",
        ),
    ]

    @dataclass
    class Submitted(Message):
        """The user sent a non-empty line."""

        chat_input: ChatInput
        text: str
        """The line, stripped of surrounding whitespace."""

        @property
        def control(self) -> ChatInput:
            """The input that sent the message."""
            return self.chat_input

    def __init__(
        self,
        *,
        commands: Sequence[str] = DEFAULT_COMMANDS,
        paths: Sequence[str] | None = None,
        root: Path | None = None,
        history: Sequence[str] = (),
        history_size: int = 200,
        placeholder: str = "Ask, or type / for commands",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Complete `commands`, and paths from `paths` or a lazily scanned `root`."""
        super().__init__(
            placeholder=placeholder,
            suggester=CommandSuggester(commands, paths=paths, root=root),
            name=name,
            id=id,
            classes=classes,
        )
        self.history_size = history_size
        self._history: list[str] = list(history)[-history_size:]
        self._history_index: int | None = None
        self._draft = ""

    @property
    def history(self) -> tuple[str, ...]:
        """Sent lines, oldest first."""
        return tuple(self._history)

    async def action_submit(self) -> None:
        """Send the line (if any), remember it and clear the input."""
        text = self.value.strip()
        if not text:
            return
        if not self._history or self._history[-1] != text:
            self._history.append(text)
            del self._history[: -self.history_size]
        self._history_index = None
        self._draft = ""
        self.value = ""
        self.post_message(self.Submitted(self, text))

    def action_history(self, step: int) -> None:
        """Walk the history (-1 older, +1 newer); past the newest restores the draft."""
        if not self._history:
            return
        if self._history_index is None:
            if step > 0:
                return
            self._draft = self.value
            index = len(self._history) - 1
        else:
            index = self._history_index + step
        if index >= len(self._history):
            self._history_index = None
            self.value = self._draft
        else:
            self._history_index = max(0, index)
            self.value = self._history[self._history_index]
        self.cursor_position = len(self.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Let Tab move focus as usual when there is nothing to complete."""
        if action == "complete":
            return bool(self._suggestion) and len(self._suggestion) > len(self.value)
        return True

    def action_complete(self) -> None:
        """Accept the suggestion shown after the cursor."""
        self.value = self._suggestion
        self.cursor_position = len(self.value)
