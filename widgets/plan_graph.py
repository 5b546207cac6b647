"""PlanGraph: the agents of a plan drawn as a layered DAG (Line API).

The layout is computed only when the node set, labels or edges change; a
state, elapsed or iteration update re-renders just the rows of the boxes that
changed. One timer animates running spinners, and only while something runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from .formatting import format_elapsed
from .plan_layout import BOX_HEIGHT, META_WIDTH, PlanLayout, compute_layout

NodeState = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]
SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATE_GLYPHS: dict[str, str] = {
    "pending": "○",
    "done": "✓",
    "failed": "✗",
    "skipped": "\u2013",  # en dash
    "cancelled": "⊘",
}
_PLAIN_BORDER = ("╭─╮", "│", "╰─╯")
_SELECTED_BORDER = ("┏━┓", "┃", "┗━┛")


class PlanGraph(ScrollView, can_focus=True):
    """A plan's agents as boxes in layers, with status glyphs and keyboard selection."""

    DEFAULT_CSS = """
    PlanGraph {
        background: $surface;
        color: $text;
        overflow: auto;
        & > .plan-graph--pending { color: $text-muted; }
        & > .plan-graph--running { color: $warning; text-style: bold; }
        & > .plan-graph--done { color: $success; }
        & > .plan-graph--failed { color: $error; text-style: bold; }
        & > .plan-graph--skipped { color: $text-disabled; }
        & > .plan-graph--cancelled { color: $secondary; }
        & > .plan-graph--edge { color: $text-muted; }
        & > .plan-graph--selected { background: $accent 25%; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-graph--pending",
        "plan-graph--running",
        "plan-graph--done",
        "plan-graph--failed",
        "plan-graph--skipped",
        "plan-graph--cancelled",
        "plan-graph--edge",
        "plan-graph--selected",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move('left')", "Previous layer", show=False, id="plan_graph.left"),
        Binding("right", "move('right')", "Next layer", show=False, id="plan_graph.right"),
        Binding("up", "move('up')", "Node above", show=False, id="plan_graph.up"),
        Binding("down", "move('down')", "Node below", show=False, id="plan_graph.down"),
        Binding(
            "enter",
            "select",
            "Open agent",
            id="plan_graph.select",
            tooltip="Show the selected agent's details",
        ),
    ]

    @dataclass(frozen=True)
    class Node:
        """One agent of the plan, as plain data."""

        id: str
        label: str
        state: NodeState = "pending"
        deps: tuple[str, ...] = ()
        """Ids of the nodes this one waits for (edges point from them to it)."""
        elapsed: float = 0.0
        """Seconds spent so far (0 hides the time)."""
        iteration: int = 1
        """Repair iteration; shown as '#2' from the second on."""

    @dataclass
    class NodeSelected(Message):
        """The user chose a node (Enter or click)."""

        plan_graph: PlanGraph
        node_id: str

        @property
        def control(self) -> PlanGraph:
            """The graph that sent the message (for `@on(..., "#id")`)."""
            return self.plan_graph

    @dataclass
    class NodeHighlighted(Message):
        """The keyboard selection moved to a node."""

        plan_graph: PlanGraph
        node_id: str

        @property
        def control(self) -> PlanGraph:
            """The graph that sent the message."""
            return self.plan_graph

    nodes: reactive[tuple[PlanGraph.Node, ...]] = reactive((), layout=False, repaint=False)
    """The plan's nodes; assign a new tuple to update (only changed boxes re-render)."""

    selected_id: reactive[str | None] = reactive(None, repaint=False)
    """Id of the node the keyboard selection is on."""

    def __init__(
        self,
        nodes: Iterable[PlanGraph.Node] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the graph, optionally with its first nodes."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._layout = PlanLayout()
        self._structure: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
        self._by_id: dict[str, PlanGraph.Node] = {}
        self._row_cache: dict[int, Strip] = {}
        self._spinner_frame = 0
        self._spinner: Timer | None = None
        self.layout_count = 0
        """How many times the layout was computed (it should only change with the structure)."""
        self.set_reactive(PlanGraph.nodes, ())
        self._apply_nodes((), tuple(nodes))

    # -- data in ---------------------------------------------------------------

    def validate_nodes(self, nodes: Iterable[PlanGraph.Node]) -> tuple[PlanGraph.Node, ...]:
        """Accept any iterable; ids must be unique."""
        checked = tuple(nodes)
        if len({node.id for node in checked}) != len(checked):
            raise ValueError("PlanGraph node ids must be unique")
        return checked

    def set_nodes(self, nodes: Iterable[PlanGraph.Node]) -> None:
        """Replace the nodes (same as assigning `nodes`)."""
        self.nodes = tuple(nodes)

    def watch_nodes(self, old: tuple[PlanGraph.Node, ...], new: tuple[PlanGraph.Node, ...]) -> None:
        """Re-layout on structural change, else refresh only the boxes that changed."""
        self._apply_nodes(old, new)

    def _apply_nodes(
        self, old: tuple[PlanGraph.Node, ...], new: tuple[PlanGraph.Node, ...]
    ) -> None:
        """Diff `old` against `new` and invalidate what must be redrawn."""
        self.set_reactive(PlanGraph.nodes, new)
        previous = self._by_id
        self._by_id = {node.id: node for node in new}
        structure = tuple((node.id, node.label, node.deps) for node in new)
        if structure != self._structure:
            self._structure = structure
            self._layout = compute_layout([(n.id, n.deps, n.label) for n in new])
            self.layout_count += 1
            self._row_cache.clear()
            self.virtual_size = Size(self._layout.width, self._layout.height)
            if self.selected_id not in self._by_id:
                self.selected_id = None
            self.refresh()
        else:
            for node in new:
                if previous.get(node.id) != node:
                    self._refresh_box(node.id)
        self._update_spinner()

    # -- spinner ---------------------------------------------------------------

    def on_mount(self) -> None:
        """Create the single spinner timer, paused until something runs."""
        self._spinner = self.set_interval(1 / 10, self._advance_spinner, pause=True)
        self._update_spinner()

    def _update_spinner(self) -> None:
        """Run the timer only while at least one node is running."""
        if self._spinner is None:
            return
        if any(node.state == "running" for node in self.nodes):
            self._spinner.resume()
        else:
            self._spinner.pause()

    def _advance_spinner(self) -> None:
        """Next spinner frame: redraw the middle row of each running box."""
        self._spinner_frame = (self._spinner_frame + 1) % len(SPINNER_FRAMES)
        for node in self.nodes:
            if node.state == "running":
                self._refresh_box(node.id, middle_only=True)

    # -- selection -------------------------------------------------------------

    def watch_selected_id(self, old: str | None, new: str | None) -> None:
        """Redraw both boxes, scroll the new one into view and announce it."""
        for node_id in (old, new):
            if node_id is not None:
                self._refresh_box(node_id)
        if new is not None and (box := self._layout.boxes.get(new)) is not None:
            self.scroll_to_region(
                Region(box.x, box.y, box.width, BOX_HEIGHT), animate=False, immediate=True
            )
            self.post_message(self.NodeHighlighted(self, new))

    def action_move(self, direction: Literal["left", "right", "up", "down"]) -> None:
        """Move the selection across layers (left/right) or within one (up/down)."""
        layers = self._layout.layers
        if not layers:
            return
        box = self._layout.boxes.get(self.selected_id or "")
        if box is None:
            self.selected_id = layers[0][0]
            return
        layer = layers[box.layer]
        if direction in ("up", "down"):
            index = layer.index(box.node_id) + (1 if direction == "down" else -1)
            if 0 <= index < len(layer):
                self.selected_id = layer[index]
            return
        target_layer = box.layer + (1 if direction == "right" else -1)
        if 0 <= target_layer < len(layers) and layers[target_layer]:
            boxes = self._layout.boxes
            self.selected_id = min(
                layers[target_layer], key=lambda node_id: abs(boxes[node_id].slot - box.slot)
            )

    def action_select(self) -> None:
        """Post NodeSelected for the selected node."""
        if self.selected_id is not None:
            self.post_message(self.NodeSelected(self, self.selected_id))

    def on_click(self, event: events.Click) -> None:
        """Select the clicked box and post NodeSelected."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        box = self._layout.box_at(offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y)
        if box is not None:
            self.selected_id = box.node_id
            self.post_message(self.NodeSelected(self, box.node_id))

    # -- rendering -------------------------------------------------------------

    @property
    def plan_layout(self) -> PlanLayout:
        """The current layout (boxes, layers), for tests and tooltips."""
        return self._layout

    def _refresh_box(self, node_id: str, middle_only: bool = False) -> None:
        """Invalidate and repaint the rows a box covers."""
        box = self._layout.boxes.get(node_id)
        if box is None:
            return
        first, count = (box.y + 1, 1) if middle_only else (box.y, BOX_HEIGHT)
        for row in range(first, first + count):
            self._row_cache.pop(row, None)
        self.refresh_lines(first, count)

    def notify_style_update(self) -> None:
        """Theme or focus changed: cached rows hold old colours."""
        super().notify_style_update()
        self._row_cache.clear()

    def render_line(self, y: int) -> Strip:
        """Render one viewport row from the cached layout row."""
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= self._layout.height:
            return Strip.blank(width, base)
        strip = self._row_cache.get(row)
        if strip is None:
            strip = self._row_cache[row] = self._render_row(row, base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _render_row(self, row: int, base: Style) -> Strip:
        """Segments for a whole layout row: gaps, edge runs and box parts."""
        segments: list[Segment] = []
        cursor = 0
        edge_style = base + self.get_component_rich_style("plan-graph--edge", partial=True)
        for x, kind, payload, part in self._layout.rows[row]:
            if x > cursor:
                segments.append(Segment(" " * (x - cursor), base))
            if kind == "edge":
                segments.append(Segment(payload, edge_style))
                cursor = x + len(payload)
            else:
                segments.extend(self._box_segments(payload, part, base))
                cursor = x + self._layout.box_width
        return Strip(segments, cursor)

    def _box_segments(self, node_id: str, part: int, base: Style) -> list[Segment]:
        """One row (top, middle or bottom) of a node's box in its state colours."""
        node = self._by_id[node_id]
        selected = node_id == self.selected_id
        state_style = base + self.get_component_rich_style(
            f"plan-graph--{node.state}", partial=True
        )
        text_style = base
        if selected:
            highlight = self.get_component_rich_style("plan-graph--selected", partial=True)
            state_style += highlight
            text_style = base + highlight + Style(bold=True)
        top, side, bottom = _SELECTED_BORDER if selected else _PLAIN_BORDER
        inner = self._layout.box_width - 2
        if part != 1:
            left, fill, right = top if part == 0 else bottom
            return [Segment(left + fill * inner + right, state_style)]
        glyph = (
            SPINNER_FRAMES[self._spinner_frame]
            if node.state == "running"
            else STATE_GLYPHS[node.state]
        )
        label_width = self._layout.label_width
        label = (
            node.label if len(node.label) <= label_width else node.label[: label_width - 1] + "…"
        )
        meta = format_elapsed(node.elapsed)
        if node.iteration > 1:
            meta = f"{meta} #{node.iteration}".strip()
        body = f"{label:<{label_width}} {meta[-META_WIDTH:]:>{META_WIDTH}} "
        return [
            Segment(f"{side} {glyph} ", state_style),
            Segment(body, text_style),
            Segment(side, state_style),
        ]
