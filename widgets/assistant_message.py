"""AssistantMessage: the assistant's reply, streamed into a Markdown widget."""

from __future__ import annotations

from types import TracebackType

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream


class AssistantMessage(Markdown):
    """One assistant turn as Markdown (code blocks are syntax-highlighted)."""

    DEFAULT_CSS = """
    AssistantMessage {
        width: 1fr;
        margin: 1 6 0 1;
        padding: 0 1;
        background: $boost;
        border-left: outer $accent;
        &.-streaming { border-left: outer $warning; }
    }
    """


class AssistantTurn:
    """Handle for one streamed reply: `append` fragments, then `finish` (or `async with`).

    Fragments go through Textual's MarkdownStream, which joins whatever arrives
    between two renders into one update, so a fast token stream cannot outrun
    the screen. `finish` always stops the stream, even if flushing fails.
    """

    def __init__(self, message: AssistantMessage) -> None:
        """Start streaming into an already mounted `message`."""
        self.message = message
        """The widget the reply is written into."""
        self._stream: MarkdownStream = Markdown.get_stream(message)
        self._parts: list[str] = []
        self._finished = False
        message.add_class("-streaming")

    @property
    def text(self) -> str:
        """Everything appended so far."""
        return "".join(self._parts)

    @property
    def finished(self) -> bool:
        """True once `finish` ran."""
        return self._finished

    async def append(self, fragment: str) -> None:
        """Add a Markdown fragment to the reply."""
        if self._finished:
            raise RuntimeError("this assistant turn is already finished")
        self._parts.append(fragment)
        await self._stream.write(fragment)

    async def finish(self) -> None:
        """Flush what is pending and stop the stream (idempotent)."""
        if self._finished:
            return
        self._finished = True
        try:
            await self._stream.stop()
        finally:
            self.message.remove_class("-streaming")

    async def __aenter__(self) -> AssistantTurn:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.finish()
