"""SessionTable: rows, fuzzy filter and messages by session id."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from regoose_tui.widgets.session_table import SessionRow, SessionTable

ROWS = [
    SessionRow("s3", "2025-02-03 10:00", "src/cart.py", "offline", "passed", 91.0, 84.0),
    SessionRow("s2", "2025-02-02 10:00", "src/shop/order.py", "openai/gpt-4o-mini", "failed", 40.0),
    SessionRow("s1", "2025-02-01 10:00", "src/catalog.py", "offline", "running"),
]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[SessionTable.Highlighted | SessionTable.Selected] = []

    def compose(self) -> ComposeResult:
        yield SessionTable(ROWS)

    def on_session_table_highlighted(self, message: SessionTable.Highlighted) -> None:
        self.messages.append(message)

    def on_session_table_selected(self, message: SessionTable.Selected) -> None:
        self.messages.append(message)


async def test_fuzzy_filter_keeps_and_ranks_matches() -> None:
    async with TableApp().run_test(size=(120, 20)) as pilot:
        table = pilot.app.query_one(SessionTable)
        assert table.visible_ids == ["s3", "s2", "s1"]
        assert table.get_row("s3")[4:] == ["91%", "84%"]
        assert table.get_row("s1")[4:] == ["\u2013", "\u2013"]

        table.filter_text = "crt"  # a subsequence: c-a-r-t ranks above a scattered s-r-c…-r-…-t
        assert table.visible_ids == ["s3", "s2"]
        table.filter_text = "order"
        assert table.visible_ids == ["s2"]
        table.filter_text = "offline"
        assert set(table.visible_ids) == {"s3", "s1"}
        table.filter_text = "zzzz"
        assert table.visible_ids == []
        table.filter_text = ""
        assert table.visible_ids == ["s3", "s2", "s1"]

        table.set_rows(ROWS[:1])
        assert table.visible_ids == ["s3"]


async def test_cursor_moves_post_highlighted_and_enter_posts_selected() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = pilot.app.query_one(SessionTable)
        table.focus()
        await pilot.pause()
        app.messages.clear()
        await pilot.press("down", "enter")
        await pilot.pause()
        kinds = [(type(m).__name__, m.session_id) for m in app.messages]
        assert ("Highlighted", "s2") in kinds
        assert kinds[-1] == ("Selected", "s2")


async def test_long_targets_and_providers_are_shortened_and_every_status_is_coloured() -> None:
    long_target = "very/deep/package/with/many/levels/inside/the/project/cart.py"
    rows = [
        SessionRow("a", "2025-02-03 10:00", long_target, "anthropic/claude-3-5-sonnet", "error"),
        SessionRow("b", "2025-02-03 10:00", "cart.py", "offline", "interrupted"),
        SessionRow("c", "2025-02-03 10:00", "cart.py", "offline", "cancelled"),
    ]

    class Harness(App[None]):
        def compose(self) -> ComposeResult:
            yield SessionTable(rows)

    async with Harness().run_test(size=(120, 20)) as pilot:
        table = pilot.app.query_one(SessionTable)
        target = str(table.get_row("a")[1])
        assert len(target) <= SessionTable.TARGET_WIDTH
        assert target.startswith("…/") and target.endswith("/project/cart.py")
        provider = str(table.get_row("a")[2])
        assert len(provider) == SessionTable.PROVIDER_WIDTH and provider.endswith("…")
        colours = set()
        for row_id in ("a", "b", "c"):
            status = table.get_row(row_id)[3]
            assert isinstance(status, Text) and status.style
            colours.add(str(status.style))
        assert len(colours) == 3
        # Six columns in 90 cells: nothing is pushed out of view.
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= 90
