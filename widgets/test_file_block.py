"""TestFileBlock: a generated test file in the chat, with Review / Accept / Reject / Open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.syntax import Syntax
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Collapsible, Static

Decision = Literal["undecided", "accepted", "rejected"]


@dataclass(frozen=True)
class TestFile:
    """A generated test file and how it did, as plain data."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name

    block_id: str
    """Identifies the block in messages (e.g. the generated file's id)."""
    path: str
    """Where the file would be written, relative to the project."""
    code: str
    """The Python source of the tests."""
    tests: int = 0
    passed: int = 0
    branch_gain: float | None = None
    """Branch coverage gained, in percentage points (None: not measured)."""
    failed: int = 0
    """Tests that failed or errored (shown in the summary when there are any)."""
    joins: bool = False
    """The tests go into the project's own file at `path` (its tests stay), not a new one."""

    @property
    def summary(self) -> str:
        """'tests/test_cart.py: 12 tests, 11 passed, 1 failed, +34% branch coverage'.

        Joining the project's own file: 'tests/test_cart.py: 3 new tests (into the
        project's file), 3 passed, +12% branch coverage'.
        """
        count = f"{self.tests} new tests (into the project's file)" if self.joins else None
        parts = [count or f"{self.tests} tests", f"{self.passed} passed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.branch_gain is not None:
            parts.append(f"{self.branch_gain:+.0f}% branch coverage")
        return f"{self.path}: {', '.join(parts)}"


class TestFileBlock(Collapsible):
    """Collapsible summary line over highlighted code and three decision buttons."""

    __test__: ClassVar[bool] = False

    DEFAULT_CSS = """
    TestFileBlock {
        margin: 1 1 0 1;
        background: $boost;
        border-left: outer $secondary;
        &.-accepted { border-left: outer $success; }
        &.-rejected { border-left: outer $error; }
        .test-file-block--code { height: auto; max-height: 30; overflow-y: auto; }
        .test-file-block--buttons { height: auto; margin-top: 1; }
        .test-file-block--buttons Button { margin-right: 1; min-width: 10; }
    }
    """

    @dataclass
    class Accepted(Message):
        """The user accepted the file."""

        block: TestFileBlock
        block_id: str

        @property
        def control(self) -> TestFileBlock:
            """The block that sent the message."""
            return self.block

    @dataclass
    class Rejected(Message):
        """The user rejected the file."""

        block: TestFileBlock
        block_id: str

        @property
        def control(self) -> TestFileBlock:
            """The block that sent the message."""
            return self.block

    @dataclass
    class ReviewRequested(Message):
        """The user asked to review the file per test (the review screen)."""

        block: TestFileBlock
        block_id: str

        @property
        def control(self) -> TestFileBlock:
            """The block that sent the message."""
            return self.block

    @dataclass
    class Opened(Message):
        """The user asked to open the file (in an editor or a viewer)."""

        block: TestFileBlock
        block_id: str

        @property
        def control(self) -> TestFileBlock:
            """The block that sent the message."""
            return self.block

    decision: reactive[Decision] = reactive("undecided")
    """Accepted or rejected once the user pressed a button (the parent may set it too)."""

    def __init__(
        self, test_file: TestFile, *, collapsed: bool = True, id: str | None = None
    ) -> None:
        """Show `test_file`, collapsed to its summary line by default."""
        self.test_file = test_file
        """The data shown."""
        code = Static(
            Syntax(test_file.code, "python", theme="ansi_dark", line_numbers=True),
            classes="test-file-block--code",
        )
        buttons = Horizontal(
            Button("Review", id="review", variant="primary", tooltip="Accept or reject per test"),
            Button(
                "Accept",
                id="accept",
                variant="success",
                tooltip="Add these tests to the project's file"
                if test_file.joins
                else "Write this file",
            ),
            Button("Reject", id="reject", variant="error", tooltip="Discard this file"),
            Button("Open", id="open", tooltip="Open the file in full"),
            classes="test-file-block--buttons",
        )
        super().__init__(code, buttons, title=test_file.summary, collapsed=collapsed, id=id)

    @property
    def block_id(self) -> str:
        """The id carried by this block's messages."""
        return self.test_file.block_id

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Turn a button press into this block's own message."""
        event.stop()
        if event.button.id == "accept":
            self.decision = "accepted"
            self.post_message(self.Accepted(self, self.block_id))
        elif event.button.id == "reject":
            self.decision = "rejected"
            self.post_message(self.Rejected(self, self.block_id))
        elif event.button.id == "review":
            self.post_message(self.ReviewRequested(self, self.block_id))
        elif event.button.id == "open":
            self.post_message(self.Opened(self, self.block_id))

    def watch_decision(self, decision: Decision) -> None:
        """Colour the block and lock the decision buttons once decided."""
        self.set_class(decision == "accepted", "-accepted")
        self.set_class(decision == "rejected", "-rejected")
        decided = decision != "undecided"
        for button_id in ("review", "accept", "reject"):
            for button in self.query(f"#{button_id}").results(Button):
                button.disabled = decided
        mark = {"accepted": " ✓ accepted", "rejected": " ✗ rejected"}.get(decision, "")
        self.title = self.test_file.summary + mark
