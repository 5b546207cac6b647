"""StatusBar: provider, runtime isolation, spend, time, results and coverage."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from .formatting import format_elapsed, format_percent


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows, as plain data."""

    provider: str = "offline"
    runtime: str = "local"
    isolated: bool = True
    """False shows a loud NOT ISOLATED badge (tests run without a sandbox)."""
    tokens: int | None = None
    """Tokens used; hidden when None or 0."""
    cost: float | None = None
    """Spend in US dollars; hidden when None or 0."""
    elapsed: float = 0.0
    passed: int = 0
    failed: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None


class StatusBar(Horizontal):
    """A one-line bar of labelled fields; assign `info` to update it."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        dock: bottom;
        background: $panel;
        color: $text-muted;
        & > Label { padding: 0 1; }
        & > #status-isolation {
            background: $error;
            color: $text;
            text-style: bold;
        }
        & > #status-results.-failed { color: $error; text-style: bold; }
        & > #status-results.-passed { color: $success; }
        & > #status-spacer { width: 1fr; padding: 0; }
    }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, init=False)
    """The shown values."""

    def __init__(
        self,
        info: StatusInfo | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the bar showing `info` (defaults to an idle offline session)."""
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(StatusBar.info, info or StatusInfo())

    def compose(self) -> ComposeResult:
        """One label per field; the watcher fills them."""
        yield Label(id="status-provider")
        yield Label(id="status-runtime")
        yield Label("NOT ISOLATED", id="status-isolation")
        yield Label(id="status-tokens")
        yield Label(id="status-cost")
        yield Label(id="status-spacer")
        yield Label(id="status-results")
        yield Label(id="status-coverage")
        yield Label(id="status-elapsed")

    def on_mount(self) -> None:
        """Show the initial values."""
        self.watch_info(self.info)

    def watch_info(self, info: StatusInfo) -> None:
        """Update every label from `info`, hiding empty fields."""
        self._set("#status-provider", f"⚙ {info.provider}")
        self._set("#status-runtime", f"▣ {info.runtime}")
        self.query_one("#status-isolation", Label).display = not info.isolated
        self._set("#status-tokens", f"{info.tokens:,} tok" if info.tokens else None)
        self._set("#status-cost", f"${info.cost:.4f}" if info.cost else None)
        ran = info.passed + info.failed
        results = self.query_one("#status-results", Label)
        self._set("#status-results", f"✓ {info.passed}  ✗ {info.failed}" if ran else None)
        results.set_class(info.failed > 0, "-failed")
        results.set_class(ran > 0 and info.failed == 0, "-passed")
        has_coverage = info.line_percent is not None or info.branch_percent is not None
        coverage = (
            f"lines {format_percent(info.line_percent)} "
            f"branches {format_percent(info.branch_percent)}"
        )
        self._set("#status-coverage", coverage if has_coverage else None)
        self._set("#status-elapsed", format_elapsed(info.elapsed) or None)

    def _set(self, selector: str, text: str | None) -> None:
        """Show `text` in a label, or hide the label when there is nothing to say."""
        label = self.query_one(selector, Label)
        label.display = text is not None
        if text is not None:
            label.update(text)
