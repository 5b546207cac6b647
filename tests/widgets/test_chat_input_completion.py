"""ChatInput and its suggester: commands, paths, Tab, history, submit."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.command_suggester import CommandSuggester, scan_paths

PATHS = ["src/", "src/cart.py", "src/shop/", "src/shop/order.py", "setup.py"]


async def test_commands_complete_from_a_prefix() -> None:
    suggester = CommandSuggester()
    assert await suggester.get_suggestion("/ge") == "/generate"
    assert await suggester.get_suggestion("/r") == "/run"
    assert await suggester.get_suggestion("/runt") == "/runtime"
    assert await suggester.get_suggestion("/s") == "/sessions"
    assert await suggester.get_suggestion("/ex") == "/explain"
    assert await suggester.get_suggestion("/exp") == "/explain"
    assert await suggester.get_suggestion("/expo") == "/export"
    assert await suggester.get_suggestion("/help") is None
    assert await suggester.get_suggestion("hello") is None


async def test_paths_complete_after_generate_and_run_only() -> None:
    suggester = CommandSuggester(paths=PATHS)
    assert await suggester.get_suggestion("/generate s") == "/generate setup.py"
    assert await suggester.get_suggestion("/generate sr") == "/generate src/"
    assert await suggester.get_suggestion("/run src/sh") == "/run src/shop/"
    assert await suggester.get_suggestion("/run src/shop/o") == "/run src/shop/order.py"
    assert (
        await suggester.get_suggestion("/run src/cart.py src/c") == "/run src/cart.py src/cart.py"
    )
    assert await suggester.get_suggestion("/export sr") is None
    assert await suggester.get_suggestion("/generate zzz") is None


async def test_root_is_scanned_lazily_for_python_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "cart.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text("no\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "hidden.py").write_text("")
    assert scan_paths(tmp_path) == ["pkg/", "pkg/cart.py"]
    suggester = CommandSuggester(root=tmp_path)
    assert await suggester.get_suggestion("/generate pkg/c") == "/generate pkg/cart.py"


class InputApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield ChatInput(paths=PATHS)

    def on_chat_input_submitted(self, message: ChatInput.Submitted) -> None:
        self.sent.append(message.text)


async def test_tab_accepts_suggestion_enter_submits_and_history_recalls() -> None:
    app = InputApp()
    async with app.run_test(size=(80, 10)) as pilot:
        chat_input = pilot.app.query_one(ChatInput)
        chat_input.focus()
        await pilot.press(*"/gen")
        await pilot.pause()
        await pilot.press("tab")
        assert chat_input.value == "/generate"
        await pilot.press("space", "s", "r")
        await pilot.pause()
        await pilot.press("tab")
        assert chat_input.value == "/generate src/"
        await pilot.press("enter")
        await pilot.press(*"hello", "enter")
        await pilot.press("enter")  # empty: nothing sent
        await pilot.pause()
        assert app.sent == ["/generate src/", "hello"]
        assert chat_input.value == ""

        await pilot.press(*"draft")
        await pilot.press("up")
        assert chat_input.value == "hello"
        await pilot.press("up")
        assert chat_input.value == "/generate src/"
        await pilot.press("up")
        assert chat_input.value == "/generate src/"
        await pilot.press("down", "down")
        assert chat_input.value == "draft"
