"""The help screen (F1): the keys of the focused widget, its containers and the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Markdown

from regoose_tui.app.paths import styles_path
from regoose_tui.chat.intents import SLASH_COMMANDS


@dataclass(frozen=True)
class KeyRow:
    """One binding as the help lists it."""

    key: str
    description: str
    tooltip: str
    binding_id: str | None


@dataclass(frozen=True)
class KeyGroup:
    """The bindings one widget (or the screen, or the app) defines."""

    owner: str
    rows: tuple[KeyRow, ...]


def _owner_name(node: object) -> str:
    name = type(node).__name__
    node_id = getattr(node, "id", None)
    return f"{name} #{node_id}" if node_id else name


def bindings_by_widget(screen: Screen[object]) -> list[KeyGroup]:
    """The screen's active bindings grouped by the node that defines them, focus first."""
    app = screen.app
    groups: dict[int, tuple[object, list[KeyRow]]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        # Regoose's bindings all have ids; Textual's hidden scrolling keys only add noise.
        if not binding.description or not (binding.id or binding.show):
            continue
        row = KeyRow(
            app.get_key_display(binding),
            binding.description,
            active.tooltip or binding.tooltip,
            binding.id,
        )
        groups.setdefault(id(active.node), (active.node, []))[1].append(row)
    focused = screen.focused
    chain: list[object] = list(focused.ancestors_with_self) if focused is not None else [screen]
    chain.append(app)

    def depth(node: object) -> int:
        return chain.index(node) if node in chain else len(chain)

    ordered = sorted(groups.values(), key=lambda item: depth(item[0]))
    return [KeyGroup(_owner_name(node), tuple(rows)) for node, rows in ordered]


def render_help(groups: list[KeyGroup], focused: Widget | None) -> str:
    """The help page as Markdown tables."""
    where = _owner_name(focused) if focused is not None else "nothing focused"
    lines = [f"# Keys — focus: {where}", ""]
    for group in groups:
        lines += [f"### {group.owner}", "", "| Key | Action | What it does |", "|---|---|---|"]
        lines += [
            f"| `{row.key}` | {row.description} | {row.tooltip or ''} |" for row in group.rows
        ]
        lines.append("")
    lines += ["### Chat commands", ""]
    lines += [
        f"- `{usage.split(' — ')[0]}` — {usage.split(' — ')[1]}"
        for usage in SLASH_COMMANDS.values()
    ]
    lines += ["", "Rebind any key by its id in `regoose.toml` under `[ui.keymap]`."]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the bindings that apply where the focus was when F1 was pressed."""

    CSS_PATH = styles_path("help.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close", tooltip="Close the help"),
        Binding("f1", "close", "Close", show=False, id="help.toggle", tooltip="Close the help"),
    ]

    def __init__(self, groups: list[KeyGroup], focused: Widget | None) -> None:
        super().__init__()
        self.groups = groups
        """What the page lists."""
        self._focused = focused

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog") as dialog:
            dialog.border_title = "Help"
            dialog.border_subtitle = "Esc closes"
            yield Markdown(render_help(self.groups, self._focused), id="help-body")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
