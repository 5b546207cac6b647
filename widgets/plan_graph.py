"""PlanGraph: the agents of a plan drawn as a layered DAG (Line API).

The graph is drawn left to right or top to bottom, with three-row boxes or
one-line compact nodes; with `orientation` and `node_style` left on "auto" it
picks the first picture that fits the widget (see plan_layout.choose), again
on every resize. The layering is computed only when the node set, labels or
edges change; a state, elapsed or iteration update re-renders just the rows
of the nodes that changed. One timer animates running spinners, and only
while something runs.
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

from .plan_layout import PlanLayout, choose, place
from .plan_navigation import Direction, neighbour
from .plan_node_paint import (
    SPINNER_FRAMES,
    NodeText,
    box_segments,
    compact_segments,
    node_text,
)
from .plan_order import Arrangement, arrange

NodeState = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]
OrientationChoice = Literal["auto", "horizontal", "vertical"]
NodeStyleChoice = Literal["auto", "boxed", "compact"]


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
        & > .plan-graph--selected { text-style: reverse bold; }
        & > .plan-graph--placeholder { color: $text-muted; text-style: italic; }
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
        "plan-graph--placeholder",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move('left')", "Node left", show=False, id="plan_graph.left"),
        Binding("right", "move('right')", "Node right", show=False, id="plan_graph.right"),
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
    """The plan's nodes; assign a new tuple to update (only changed nodes re-render)."""

    selected_id: reactive[str | None] = reactive(None, repaint=False)
    """Id of the node the keyboard selection is on."""

    orientation: reactive[OrientationChoice] = reactive("auto", repaint=False)
    """Layers as columns ('horizontal'), as rows ('vertical'), or whichever fits ('auto')."""

    node_style: reactive[NodeStyleChoice] = reactive("auto", repaint=False)
    """Three-row boxes ('boxed'), one-line nodes ('compact'), or whichever fits ('auto')."""

    placeholder: reactive[str] = reactive("")
    """Shown, dimmed, while there are no nodes."""

    spinning: reactive[bool] = reactive(True, repaint=False)
    """Animate running nodes; False holds the spinner still (snapshots, reduced motion)."""

    def __init__(
        self,
        nodes: Iterable[PlanGraph.Node] = (),
        *,
        orientation: OrientationChoice = "auto",
        node_style: NodeStyleChoice = "auto",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the graph, optionally with its first nodes and a fixed orientation or style."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(PlanGraph.orientation, orientation)
        self.set_reactive(PlanGraph.node_style, node_style)
        self._arrangement = Arrangement((), {}, {}, {})
        self._layout = PlanLayout()
        self._structure: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
        self._by_id: dict[str, PlanGraph.Node] = {}
        self._row_cache: dict[int, Strip] = {}
        self._foreground_cache: dict[str, Style] = {}
        self._pad_x = 0
        self._spinner_frame = 0
        self._spinner: Timer | None = None
        self.layout_count = 0
        """How many times a layout was placed (only on structure, size or orientation change)."""
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
        """Re-layout on structural change, else refresh only the nodes that changed."""
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
            self._arrangement = arrange([(n.id, n.deps, n.label) for n in new])
            if self.selected_id not in self._by_id:
                self.selected_id = None
            self._relayout(force=True)
        else:
            for node in new:
                if previous.get(node.id) != node:
                    self._refresh_box(node.id)
        self._update_spinner()

    # -- orientation and size ----------------------------------------------------

    @property
    def plan_layout(self) -> PlanLayout:
        """The current layout (boxes, layers, orientation, style), for tests and tooltips."""
        return self._layout

    def watch_orientation(self) -> None:
        """A new orientation choice: place the graph again."""
        self._relayout()

    def watch_node_style(self) -> None:
        """A new node style choice: place the graph again."""
        self._relayout()

    def on_resize(self) -> None:
        """'auto' may pick another picture for the new size; centring changes too."""
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        """Place the arrangement in the chosen orientation and style (if that changed)."""
        width, height = self.size
        orientation, style = choose(
            self._arrangement, (width, height), self.orientation, self.node_style
        )
        layout = self._layout
        if force or (layout.orientation, layout.style) != (orientation, style):
            layout = self._layout = place(self._arrangement, orientation, style)
            self.layout_count += 1
            self.virtual_size = Size(layout.width, layout.height)
        # A picture narrower than the widget is centred (a short chain reads better).
        self._pad_x = max(0, (width - layout.width) // 2)
        self._row_cache.clear()
        self.refresh()

    # -- spinner ---------------------------------------------------------------

    def on_mount(self) -> None:
        """Create the single spinner timer, paused until something runs."""
        self._spinner = self.set_interval(1 / 10, self._advance_spinner, pause=True)
        self._update_spinner()

    def _update_spinner(self) -> None:
        """Run the timer only while at least one node is running."""
        if self._spinner is None:
            return
        if self.spinning and any(node.state == "running" for node in self.nodes):
            self._spinner.resume()
        else:
            self._spinner.pause()

    def watch_spinning(self) -> None:
        """Start or stop the spinner timer."""
        self._update_spinner()

    def _advance_spinner(self) -> None:
        """Next spinner frame: redraw the text row of each running node."""
        self._spinner_frame = (self._spinner_frame + 1) % len(SPINNER_FRAMES)
        for node in self.nodes:
            if node.state == "running":
                self._refresh_box(node.id, middle_only=True)

    # -- selection -------------------------------------------------------------

    def watch_selected_id(self, old: str | None, new: str | None) -> None:
        """Redraw both nodes, scroll the new one into view and announce it."""
        for node_id in (old, new):
            if node_id is not None:
                self._refresh_box(node_id)
        if new is not None and new in self._layout.boxes:
            self.scroll_to_node(new)
            self.post_message(self.NodeHighlighted(self, new))

    def scroll_to_node(self, node_id: str) -> None:
        """Scroll so the node `node_id` is in view (no-op for an unknown id)."""
        box = self._layout.boxes.get(node_id)
        if box is not None:
            self.scroll_to_region(
                Region(box.x, box.y, box.width, box.height), animate=False, immediate=True
            )

    def action_move(self, direction: Direction) -> None:
        """Move the selection along the flow (across layers) or within a layer."""
        target = neighbour(self._layout, self.selected_id, direction)
        if target is not None:
            self.selected_id = target

    def action_select(self) -> None:
        """Post NodeSelected for the selected node."""
        if self.selected_id is not None:
            self.post_message(self.NodeSelected(self, self.selected_id))

    def on_click(self, event: events.Click) -> None:
        """Select the clicked node and post NodeSelected."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        box = self._layout.box_at(
            offset.x + self.scroll_offset.x - self._pad_x, offset.y + self.scroll_offset.y
        )
        if box is not None:
            self.selected_id = box.node_id
            self.post_message(self.NodeSelected(self, box.node_id))

    # -- rendering -------------------------------------------------------------

    def _refresh_box(self, node_id: str, middle_only: bool = False) -> None:
        """Invalidate and repaint the rows a node covers."""
        box = self._layout.boxes.get(node_id)
        if box is None:
            return
        first, count = (box.y + box.height // 2, 1) if middle_only else (box.y, box.height)
        for row in range(first, first + count):
            self._row_cache.pop(row, None)
        self.refresh_lines(first, count)

    def notify_style_update(self) -> None:
        """Theme or focus changed: cached rows hold old colours."""
        super().notify_style_update()
        self._row_cache.clear()
        self._foreground_cache.clear()

    def render_line(self, y: int) -> Strip:
        """Render one viewport row from the cached layout row."""
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self._by_id and self.placeholder:
            return self._placeholder_line(row, width, base)
        if row >= self._layout.height:
            return Strip.blank(width, base)
        strip = self._row_cache.get(row)
        if strip is None:
            strip = self._row_cache[row] = self._render_row(row, base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _placeholder_line(self, row: int, width: int, base: Style) -> Strip:
        """The placeholder, centred on the first row."""
        if row != 0:
            return Strip.blank(width, base)
        text = self.placeholder[:width]
        style = base + self._foreground("plan-graph--placeholder")
        pad = (width - len(text)) // 2
        return Strip([Segment(" " * pad, base), Segment(text, style)]).extend_cell_length(
            width, base
        )

    def _render_row(self, row: int, base: Style) -> Strip:
        """Segments for a whole layout row: centring pad, gaps, edge runs and node parts."""
        segments: list[Segment] = [Segment(" " * self._pad_x, base)] if self._pad_x else []
        cursor = 0
        edge_style = base + self._foreground("plan-graph--edge")
        compact = self._layout.style == "compact"
        for x, kind, payload, part in self._layout.rows[row]:
            if x > cursor:
                segments.append(Segment(" " * (x - cursor), base))
            if kind == "edge":
                segments.append(Segment(payload, edge_style))
                cursor = x + len(payload)
            else:
                if compact:
                    segments.extend(self._compact_segments(payload, base))
                else:
                    segments.extend(self._box_segments(payload, part, base))
                cursor = x + self._layout.box_width
        return Strip(segments, cursor + self._pad_x)

    def _state_style(self, node: PlanGraph.Node, base: Style) -> Style:
        """The node's state colours over the base style."""
        return base + self._foreground(f"plan-graph--{node.state}")

    def _foreground(self, component: str) -> Style:
        """A component's colour and text style without its background.

        The full (not partial) style is asked for: only it blends translucent
        theme colours such as $text-muted into a real colour.
        """
        style = self._foreground_cache.get(component)
        if style is None:
            full = self.get_component_rich_style(component)
            style = Style(color=full.color, bold=full.bold, italic=full.italic, dim=full.dim)
            self._foreground_cache[component] = style
        return style

    def _selected_style(self) -> Style:
        """What selection adds (reverse video by default: readable in every state colour)."""
        return self.get_component_rich_style("plan-graph--selected", partial=True)

    def _compact_segments(self, node_id: str, base: Style) -> list[Segment]:
        """A one-line node in its state colour (reversed when selected)."""
        node = self._by_id[node_id]
        style = self._state_style(node, base)
        if node_id == self.selected_id:
            style += self._selected_style()
        return compact_segments(self._text_of(node), style)

    def _box_segments(self, node_id: str, part: int, base: Style) -> list[Segment]:
        """One row (top, middle or bottom) of a node's box in its state colours."""
        node = self._by_id[node_id]
        state_style = self._state_style(node, base)
        selected = node_id == self.selected_id
        return box_segments(
            self._text_of(node),
            part,
            self._layout.box_width,
            state_style=state_style,
            text_style=state_style + self._selected_style() if selected else base,
            selected=selected,
        )

    def _text_of(self, node: PlanGraph.Node) -> NodeText:
        """The node's glyph, label and meta for the current layout and spinner frame."""
        return node_text(
            node.label,
            node.state,
            node.elapsed,
            node.iteration,
            self._layout.label_width,
            self._spinner_frame,
        )
