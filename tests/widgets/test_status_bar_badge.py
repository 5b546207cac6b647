"""StatusBar: fields shown or hidden from a StatusInfo."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label

from regoose_tui.widgets.status_bar import StatusBar, StatusInfo


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(StatusInfo(provider="offline", runtime="bwrap", isolated=True))


def shown(bar: StatusBar) -> dict[str, str]:
    return {
        str(label.id): str(label.render())
        for label in bar.query(Label)
        if label.display and label.id != "status-spacer"
    }


async def test_not_isolated_badge_and_hidden_empty_fields() -> None:
    async with BarApp().run_test(size=(160, 5)) as pilot:
        bar = pilot.app.query_one(StatusBar)
        fields = shown(bar)
        assert "status-isolation" not in fields
        assert "status-tokens" not in fields and "status-cost" not in fields
        assert fields["status-runtime"].endswith("bwrap")

        bar.info = StatusInfo(
            provider="openai/gpt-4o-mini",
            runtime="local",
            isolated=False,
            tokens=12_345,
            cost=0.0123,
            elapsed=75,
            passed=12,
            failed=1,
            line_percent=91.4,
            branch_percent=None,
        )
        await pilot.pause()
        fields = shown(bar)
        assert fields["status-isolation"] == "NOT ISOLATED"
        assert fields["status-tokens"] == "12,345 tok"
        assert fields["status-cost"] == "$0.0123"
        assert fields["status-elapsed"] == "1m15s"
        assert fields["status-results"] == "✓ 12  ✗ 1"
        assert fields["status-coverage"] == "lines 91% branches \u2013"
        assert bar.query_one("#status-results").has_class("-failed")

        bar.info = StatusInfo(tokens=0, cost=0.0)
        await pilot.pause()
        fields = shown(bar)
        assert "status-tokens" not in fields and "status-cost" not in fields
        assert "status-isolation" not in fields
