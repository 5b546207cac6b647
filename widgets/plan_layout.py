"""Geometry of a plan DAG for PlanGraph: pure data, no Textual.

plan_order arranges the nodes into layers and slots; this module places that
arrangement on a character grid in one of two orientations and two node
styles:

- horizontal: layers are columns (left to right), a layer's nodes stack down;
- vertical: layers are rows (top to bottom), a layer's nodes sit side by side;
- boxed nodes are three rows tall, compact nodes one row.

Edges are drawn into a grid of direction bits so crossing and merging lines
turn into the right box-drawing junctions, and end in an arrow at the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .plan_order import Arrangement, NodeSpec, arrange, assign_layers

__all__ = [
    "ARROW",
    "ARROW_DOWN",
    "BOX_HEIGHT",
    "META_WIDTH",
    "NodeBox",
    "NodeStyle",
    "Orientation",
    "PlanLayout",
    "assign_layers",
    "choose",
    "compute_layout",
    "measure",
    "node_height",
    "place",
]

Orientation = Literal["horizontal", "vertical"]
NodeStyle = Literal["boxed", "compact"]

BOX_HEIGHT = 3
"""Rows of a boxed node (border, text, border)."""
LABEL_WIDTH_MAX = 24
META_WIDTH = 10
"""Room for elapsed time and iteration: '12m03s #12'."""
COLUMN_GAP = {"boxed": 8, "compact": 6}
"""Columns between two layers (horizontal): room for edge channels and the arrow."""
ROW_GAP = {"boxed": 1, "compact": 0}
"""Blank rows between two nodes of a layer (horizontal)."""
SLOT_GAP = 2
"""Columns between two nodes of a layer (vertical)."""
VERTICAL_CHANNELS = 3
"""Most rows of bending edges between two layers (vertical)."""

_UP, _DOWN, _LEFT, _RIGHT = 1, 2, 4, 8
_JUNCTIONS = {
    _LEFT: "─",
    _RIGHT: "─",
    _LEFT | _RIGHT: "─",
    _UP: "│",
    _DOWN: "│",
    _UP | _DOWN: "│",
    _DOWN | _RIGHT: "╭",
    _DOWN | _LEFT: "╮",
    _UP | _RIGHT: "╰",
    _UP | _LEFT: "╯",
    _UP | _DOWN | _RIGHT: "├",
    _UP | _DOWN | _LEFT: "┤",
    _LEFT | _RIGHT | _DOWN: "┬",
    _LEFT | _RIGHT | _UP: "┴",
    _UP | _DOWN | _LEFT | _RIGHT: "┼",
}
ARROW = "▶"
"""Where an edge enters a node from the left (horizontal)."""
ARROW_DOWN = "▼"
"""Where an edge enters a node from above (vertical)."""

Grid = dict[tuple[int, int], int]

AUTO_PREFERENCE: tuple[tuple[Orientation, NodeStyle], ...] = (
    ("horizontal", "boxed"),
    ("vertical", "boxed"),
    ("horizontal", "compact"),
    ("vertical", "compact"),
)
"""Tried in this order by `choose`: boxes read best, compact nodes fit more."""


def node_height(style: NodeStyle) -> int:
    """Rows one node takes in `style`."""
    return BOX_HEIGHT if style == "boxed" else 1


def node_width(label_width: int, style: NodeStyle) -> int:
    """Columns one node takes: glyph, label, meta and the frame or padding around them."""
    # boxed: '│ ✓ label meta │' ; compact: ' ✓ label meta '
    return label_width + META_WIDTH + (7 if style == "boxed" else 5)


@dataclass(frozen=True)
class NodeBox:
    """Where one real node sits."""

    node_id: str
    layer: int
    slot: int
    x: int
    y: int
    width: int
    height: int = BOX_HEIGHT

    def contains(self, x: int, y: int) -> bool:
        """Whether the cell (x, y) falls inside this node."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


RowItem = tuple[int, str, str, int]
"""(x, kind, payload, part): kind 'edge' with text payload, or 'box' with a node id and row part."""


@dataclass
class PlanLayout:
    """The computed picture: nodes, per-layer order and each row's drawable items."""

    boxes: dict[str, NodeBox] = field(default_factory=dict)
    layers: list[list[str]] = field(default_factory=list)
    rows: list[list[RowItem]] = field(default_factory=list)
    width: int = 0
    height: int = 0
    box_width: int = 0
    label_width: int = 0
    box_height: int = BOX_HEIGHT
    orientation: Orientation = "horizontal"
    style: NodeStyle = "boxed"

    def box_at(self, x: int, y: int) -> NodeBox | None:
        """The node covering cell (x, y), if any."""
        return next((box for box in self.boxes.values() if box.contains(x, y)), None)


def compute_layout(
    nodes: Sequence[NodeSpec],
    orientation: Orientation = "horizontal",
    style: NodeStyle = "boxed",
) -> PlanLayout:
    """Lay out (id, deps, label) triples; ids must be unique."""
    return place(arrange(nodes), orientation, style)


def place(
    arrangement: Arrangement,
    orientation: Orientation = "horizontal",
    style: NodeStyle = "boxed",
) -> PlanLayout:
    """Draw an arrangement in one orientation and node style."""
    if not arrangement.labels:
        return PlanLayout(orientation=orientation, style=style, box_height=node_height(style))
    label_width = min(LABEL_WIDTH_MAX, max(len(label) for label in arrangement.labels.values()))
    layout = PlanLayout(
        box_width=node_width(label_width, style),
        label_width=label_width,
        box_height=node_height(style),
        orientation=orientation,
        style=style,
    )
    layout.layers = [
        [entry for entry in layer if arrangement.is_real(entry)] for layer in arrangement.layers
    ]
    grid: Grid = {}
    arrows: dict[tuple[int, int], str] = {}
    if orientation == "horizontal":
        _place_horizontal(arrangement, layout, grid, arrows)
    else:
        _place_vertical(arrangement, layout, grid, arrows)
    layout.rows = _rows(layout, grid, arrows)
    return layout


def _place_horizontal(
    arrangement: Arrangement, layout: PlanLayout, grid: Grid, arrows: dict[tuple[int, int], str]
) -> None:
    """Layers as columns; edges leave a node's right side and enter the next one's left."""
    width, height, style = layout.box_width, layout.box_height, layout.style
    gap = COLUMN_GAP[style]
    pitch_x, pitch_y = width + gap, height + ROW_GAP[style]
    middle = height // 2
    slot_of, succs = arrangement.slot_of, arrangement.succs
    layout.width = len(arrangement.layers) * pitch_x - gap
    layout.height = arrangement.slot_count * pitch_y - ROW_GAP[style]
    for index, layer in enumerate(arrangement.layers):
        for entry in layer:
            x, y = index * pitch_x, slot_of[entry] * pitch_y
            if arrangement.is_real(entry):
                layout.boxes[entry] = NodeBox(entry, index, slot_of[entry], x, y, width, height)
            else:
                _horizontal(grid, x, x + width - 1, y + middle)
    channels = max(1, gap - 4)
    for index, layer in enumerate(arrangement.layers[:-1]):
        gap_start = index * pitch_x + width
        end = gap_start + gap - 1
        sources = [entry for entry in layer if succs[entry]]
        for channel_index, source in enumerate(sources):
            channel = gap_start + 2 + channel_index % channels
            source_y = slot_of[source] * pitch_y + middle
            for target in succs[source]:
                target_y = slot_of[target] * pitch_y + middle
                if target_y == source_y:
                    _horizontal(grid, gap_start, end, source_y)
                else:
                    _horizontal(grid, gap_start, channel, source_y)
                    _vertical(grid, channel, source_y, target_y)
                    _horizontal(grid, channel, end, target_y)
                if arrangement.is_real(target):
                    arrows[end, target_y] = ARROW


def _place_vertical(
    arrangement: Arrangement, layout: PlanLayout, grid: Grid, arrows: dict[tuple[int, int], str]
) -> None:
    """Layers as rows; edges leave a node's bottom centre and enter the next one's top centre.

    The gap under a layer is one row (the arrows) when every edge goes straight
    down, else one more row per bending source (up to VERTICAL_CHANNELS), so a
    chain stays as short as it can be.
    """
    width, height = layout.box_width, layout.box_height
    pitch_x = width + SLOT_GAP
    slot_of, succs = arrangement.slot_of, arrangement.succs

    def anchor(entry: str) -> int:
        return slot_of[entry] * pitch_x + width // 2

    layer_y, channels_under = _vertical_rows(arrangement, height)
    layout.height = layer_y[-1] + height
    layout.width = arrangement.slot_count * pitch_x - SLOT_GAP

    for index, layer in enumerate(arrangement.layers):
        for entry in layer:
            x, y = slot_of[entry] * pitch_x, layer_y[index]
            if arrangement.is_real(entry):
                layout.boxes[entry] = NodeBox(entry, index, slot_of[entry], x, y, width, height)
            else:
                for row in range(y, y + height):
                    grid[anchor(entry), row] = grid.get((anchor(entry), row), 0) | _UP | _DOWN
    for index, layer in enumerate(arrangement.layers[:-1]):
        gap_start = layer_y[index] + height
        arrow_row = layer_y[index + 1] - 1
        channels = channels_under[index]
        channel_index = 0
        for source in layer:
            if not succs[source]:
                continue
            source_x = anchor(source)
            channel_row = gap_start + (channel_index % channels if channels else 0)
            grid[source_x, gap_start] = grid.get((source_x, gap_start), 0) | _UP
            bent = False
            for target in succs[source]:
                target_x = anchor(target)
                if target_x == source_x:
                    _vertical(grid, source_x, gap_start, arrow_row)
                else:
                    bent = True
                    _vertical(grid, source_x, gap_start, channel_row)
                    _horizontal(grid, source_x, target_x, channel_row)
                    _vertical(grid, target_x, channel_row, arrow_row)
                grid[target_x, arrow_row] = grid.get((target_x, arrow_row), 0) | _DOWN
                if arrangement.is_real(target):
                    arrows[target_x, arrow_row] = ARROW_DOWN
            channel_index += bent


def _vertical_rows(arrangement: Arrangement, height: int) -> tuple[list[int], list[int]]:
    """Top row of each layer and the channel rows under it (vertical orientation).

    Slots line up across layers (same slot, same centre), so an edge bends
    exactly when its two ends have different slots.
    """
    slot_of, succs = arrangement.slot_of, arrangement.succs
    layer_y: list[int] = []
    channels_under: list[int] = []
    y = 0
    for layer in arrangement.layers:
        layer_y.append(y)
        bending = sum(
            1 for source in layer if any(slot_of[t] != slot_of[source] for t in succs[source])
        )
        channels = min(bending, VERTICAL_CHANNELS)
        channels_under.append(channels)
        y += height + channels + 1
    return layer_y, channels_under


def measure(
    arrangement: Arrangement, orientation: Orientation, style: NodeStyle
) -> tuple[int, int]:
    """(width, height) that `place` would give, without drawing anything."""
    if not arrangement.labels:
        return 0, 0
    label_width = min(LABEL_WIDTH_MAX, max(len(label) for label in arrangement.labels.values()))
    width, height = node_width(label_width, style), node_height(style)
    if orientation == "horizontal":
        gap, row_gap = COLUMN_GAP[style], ROW_GAP[style]
        return (
            len(arrangement.layers) * (width + gap) - gap,
            arrangement.slot_count * (height + row_gap) - row_gap,
        )
    layer_y, _ = _vertical_rows(arrangement, height)
    return arrangement.slot_count * (width + SLOT_GAP) - SLOT_GAP, layer_y[-1] + height


def choose(
    arrangement: Arrangement,
    available: tuple[int, int],
    orientation: Orientation | Literal["auto"] = "auto",
    style: NodeStyle | Literal["auto"] = "auto",
) -> tuple[Orientation, NodeStyle]:
    """The first allowed (orientation, style) whose picture fits `available` (columns, rows).

    When none fits, the one showing the largest share of itself wins, so a big
    plan still gets the densest readable picture.
    """
    candidates = [
        (o, s) for o, s in AUTO_PREFERENCE if orientation in ("auto", o) and style in ("auto", s)
    ]
    columns, rows = available
    if len(candidates) == 1 or columns <= 0 or rows <= 0:
        return candidates[0]
    best, best_share = candidates[0], -1.0
    for candidate in candidates:
        width, height = measure(arrangement, *candidate)
        if width <= columns and height <= rows:
            return candidate
        share = min(width, columns) * min(height, rows) / max(1, width * height)
        if share > best_share:
            best, best_share = candidate, share
    return best


def _horizontal(grid: Grid, x1: int, x2: int, y: int) -> None:
    """Draw a horizontal run from x1 to x2 (inclusive) on row y."""
    low, high = sorted((x1, x2))
    for x in range(low, high + 1):
        bits = (_LEFT if x > low else 0) | (_RIGHT if x < high else 0)
        grid[x, y] = grid.get((x, y), 0) | (bits or _LEFT | _RIGHT)


def _vertical(grid: Grid, x: int, y1: int, y2: int) -> None:
    """Draw a vertical run from y1 to y2 (inclusive) in column x."""
    low, high = sorted((y1, y2))
    for y in range(low, high + 1):
        bits = (_UP if y > low else 0) | (_DOWN if y < high else 0)
        grid[x, y] = grid.get((x, y), 0) | bits


def _rows(
    layout: PlanLayout, grid: Grid, arrows: dict[tuple[int, int], str]
) -> list[list[RowItem]]:
    """Merge edge cells into runs and add node parts, each row sorted by x."""
    cells_by_row: dict[int, dict[int, str]] = {}
    for (x, y), bits in grid.items():
        char = arrows.get((x, y)) or _JUNCTIONS.get(bits)
        if char is not None:
            cells_by_row.setdefault(y, {})[x] = char
    rows: list[list[RowItem]] = [[] for _ in range(layout.height)]
    for y, cells in cells_by_row.items():
        run_start, run_text = -1, ""
        for x in sorted(cells):
            if run_text and x == run_start + len(run_text):
                run_text += cells[x]
                continue
            if run_text:
                rows[y].append((run_start, "edge", run_text, 0))
            run_start, run_text = x, cells[x]
        if run_text:
            rows[y].append((run_start, "edge", run_text, 0))
    for box in layout.boxes.values():
        for part in range(box.height):
            rows[box.y + part].append((box.x, "box", box.node_id, part))
    for row in rows:
        row.sort()
    return rows
