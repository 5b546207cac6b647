"""ReviewTree: proposed files, their test classes and tests, each marked accepted or rejected.

The tree takes plain :class:`ReviewEntry` data and redraws its labels when
given new entries (the cursor stays where it was). Enter or a click on a node
posts :class:`ReviewTree.Toggled`; moving the cursor posts
:class:`ReviewTree.EntryHighlighted`. The parent owns the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

EntryKind = Literal["file", "class", "test"]


@dataclass(frozen=True)
class ReviewEntry:
    """One node: a file, a test class or a test, with its decision and children."""

    key: str
    """Identifies the node in messages (``FILE`` or ``FILE::TEST_ID``)."""
    label: str
    kind: EntryKind
    accepted: bool
    note: str = ""
    """Dim text after the label ('2 of 3 tests', 'changed')."""
    children: tuple[ReviewEntry, ...] = field(default_factory=tuple)


def entry_label(entry: ReviewEntry) -> Text:
    """'✓ test_total' in green, or '✗ test_total' struck through in red, plus the note."""
    mark, style = ("✓", "green") if entry.accepted else ("✗", "red")
    text = Text(f"{mark} ", style=f"bold {style}")
    name_style = "bold" if entry.kind == "file" else ""
    if not entry.accepted:
        name_style += " strike dim"
    text.append(entry.label, style=name_style.strip())
    if entry.note:
        text.append(f"  {entry.note}", style="dim")
    return text


class ReviewTree(Tree[str]):
    """The files of a review and their tests, expanded, keyed by :attr:`ReviewEntry.key`."""

    DEFAULT_CSS = """
    ReviewTree {
        padding: 0 1;
    }
    """

    @dataclass
    class Toggled(Message):
        """The user asked to flip the decision of one entry (Enter or a click)."""

        tree: ReviewTree
        key: str

        @property
        def control(self) -> ReviewTree:
            """The tree that sent the message."""
            return self.tree

    @dataclass
    class EntryHighlighted(Message):
        """The cursor moved onto an entry."""

        tree: ReviewTree
        key: str

        @property
        def control(self) -> ReviewTree:
            """The tree that sent the message."""
            return self.tree

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Proposed files", id=id)
        self.show_root = False
        self.auto_expand = False  # Enter / click decide; the tree stays expanded
        self.guide_depth = 3
        self._entry_nodes: dict[str, TreeNode[str]] = {}

    @property
    def entry_keys(self) -> list[str]:
        """Every key, in display order."""
        return list(self._entry_nodes)

    @property
    def highlighted_key(self) -> str | None:
        """The key under the cursor."""
        node = self.cursor_node
        return node.data if node is not None else None

    def set_entries(self, entries: Sequence[ReviewEntry]) -> None:
        """Show ``entries``: relabel in place when the keys are the same, else rebuild."""
        flat = list(_walk(entries))
        if [entry.key for entry in flat] == list(self._entry_nodes):
            for entry in flat:
                self._entry_nodes[entry.key].set_label(entry_label(entry))
            return
        cursor = self.cursor_line
        self.clear()
        self._entry_nodes = {}
        for entry in entries:
            self._add(self.root, entry)
        self.root.expand_all()
        self.cursor_line = max(0, min(cursor, len(self._entry_nodes) - 1))

    def _add(self, parent: TreeNode[str], entry: ReviewEntry) -> None:
        if entry.children:
            node = parent.add(entry_label(entry), data=entry.key, expand=True)
        else:
            node = parent.add_leaf(entry_label(entry), data=entry.key)
        self._entry_nodes[entry.key] = node  # before the children: display order
        for child in entry.children:
            self._add(node, child)

    def select_key(self, key: str) -> None:
        """Move the cursor onto ``key``."""
        node = self._entry_nodes.get(key)
        if node is not None:
            self.move_cursor(node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        """Enter or a click: the parent flips that entry's decision."""
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Toggled(self, event.node.data))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        """The cursor moved: tell the parent which entry to show."""
        event.stop()
        if event.node.data is not None:
            self.post_message(self.EntryHighlighted(self, event.node.data))


def _walk(entries: Sequence[ReviewEntry]) -> list[ReviewEntry]:
    out: list[ReviewEntry] = []
    for entry in entries:
        out.append(entry)
        out.extend(_walk(entry.children))
    return out
