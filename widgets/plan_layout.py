"""Layered layout of a plan DAG for PlanGraph: pure data, no Textual.

Layers run left to right (a node sits one layer right of its deepest
dependency: longest-path layering). Edges longer than one layer pass through
dummy slots; a few barycentre sweeps order each layer to reduce crossings,
then nodes get vertical slots near the median of their neighbours. Edges are
drawn into a grid of direction bits so crossing and merging lines turn into
the right box-drawing junctions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

BOX_HEIGHT = 3
ROW_PITCH = BOX_HEIGHT + 1
COLUMN_GAP = 8
LABEL_WIDTH_MAX = 24
META_WIDTH = 10
"""Room for elapsed time and iteration: '12m03s #12'."""
ORDER_SWEEPS = 6

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


@dataclass(frozen=True)
class NodeBox:
    """Where one real node's box sits."""

    node_id: str
    layer: int
    slot: int
    x: int
    y: int
    width: int

    def contains(self, x: int, y: int) -> bool:
        """Whether the cell (x, y) falls inside this box."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + BOX_HEIGHT


RowItem = tuple[int, str, str, int]
"""(x, kind, payload, part): kind 'edge' with text payload, or 'box' with a node id and part 0-2."""


@dataclass
class PlanLayout:
    """The computed picture: boxes, per-layer order and each row's drawable items."""

    boxes: dict[str, NodeBox] = field(default_factory=dict)
    layers: list[list[str]] = field(default_factory=list)
    rows: list[list[RowItem]] = field(default_factory=list)
    width: int = 0
    height: int = 0
    box_width: int = 0
    label_width: int = 0

    def box_at(self, x: int, y: int) -> NodeBox | None:
        """The box covering cell (x, y), if any."""
        return next((box for box in self.boxes.values() if box.contains(x, y)), None)


def assign_layers(deps: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Longest-path layer per node; unknown deps and edges closing a cycle are ignored."""
    layer: dict[str, int] = {}
    on_path: set[str] = set()
    for root in deps:
        if root in layer:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        on_path.add(root)
        while stack:
            node, index = stack[-1]
            parents = [dep for dep in deps[node] if dep in deps]
            if index < len(parents):
                stack[-1] = (node, index + 1)
                parent = parents[index]
                if parent not in layer and parent not in on_path:
                    on_path.add(parent)
                    stack.append((parent, 0))
                continue
            known = [layer[dep] for dep in parents if dep in layer]
            layer[node] = 1 + max(known) if known else 0
            on_path.discard(node)
            stack.pop()
    return layer


def _order_layers(
    layers: list[list[str]], preds: dict[str, list[str]], succs: dict[str, list[str]]
) -> None:
    """Barycentre sweeps, down then up, reordering each layer in place."""

    def reorder(layer: list[str], neighbours: dict[str, list[str]], ref: list[str]) -> None:
        position = {node: index for index, node in enumerate(ref)}
        current = {node: index for index, node in enumerate(layer)}

        def key(node: str) -> float:
            linked = [position[other] for other in neighbours[node] if other in position]
            if not linked:
                return current[node] * len(ref) / max(1, len(layer))
            return sum(linked) / len(linked)

        layer.sort(key=key)

    for _ in range(ORDER_SWEEPS // 2):
        for index in range(1, len(layers)):
            reorder(layers[index], preds, layers[index - 1])
        for index in range(len(layers) - 2, -1, -1):
            reorder(layers[index], succs, layers[index + 1])


def _assign_slots(
    layers: list[list[str]], preds: dict[str, list[str]], succs: dict[str, list[str]]
) -> dict[str, int]:
    """Vertical slots: near the median neighbour, in layer order, never overlapping."""
    slot: dict[str, int] = {}
    for index, layer in enumerate(layers):
        previous = -1
        for node in layer:
            linked = [slot[other] for other in preds[node] if other in slot]
            wanted = int(median(linked)) if (linked and index) else previous + 1
            slot[node] = previous = max(wanted, previous + 1)
    # Pull parents towards the middle of their children, keeping order and gaps.
    for layer in reversed(layers[:-1]):
        previous = -1
        for node in layer:
            linked = [slot[other] for other in succs[node]]
            wanted = int(median(linked)) if linked else slot[node]
            slot[node] = previous = max(wanted, previous + 1)
    lowest = min(slot.values())
    return {node: value - lowest for node, value in slot.items()}


def compute_layout(nodes: Sequence[tuple[str, Sequence[str], str]]) -> PlanLayout:
    """Lay out (id, deps, label) triples; ids must be unique."""
    deps = {node_id: list(node_deps) for node_id, node_deps, _ in nodes}
    labels = {node_id: label for node_id, _, label in nodes}
    if not deps:
        return PlanLayout()
    layer_of = assign_layers(deps)
    preds: dict[str, list[str]] = {node: [] for node in deps}
    succs: dict[str, list[str]] = {node: [] for node in deps}
    layers: list[list[str]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for node_id in deps:
        layers[layer_of[node_id]].append(node_id)
    real_edges: list[tuple[str, str]] = []
    for node_id, node_deps in deps.items():
        for dep in dict.fromkeys(node_deps):
            if dep not in deps or layer_of[dep] >= layer_of[node_id]:
                continue
            real_edges.append((dep, node_id))
            chain = [dep]
            for between in range(layer_of[dep] + 1, layer_of[node_id]):
                dummy = f"\0{dep}\0{node_id}\0{between}"
                layers[between].append(dummy)
                preds[dummy], succs[dummy] = [], []
                chain.append(dummy)
            chain.append(node_id)
            for source, target in pairwise(chain):
                succs[source].append(target)
                preds[target].append(source)
    _order_layers(layers, preds, succs)
    slot_of = _assign_slots(layers, preds, succs)

    label_width = min(LABEL_WIDTH_MAX, max(len(label) for label in labels.values()))
    box_width = label_width + META_WIDTH + 7
    pitch = box_width + COLUMN_GAP
    layout = PlanLayout(box_width=box_width, label_width=label_width)
    layout.width = len(layers) * pitch - COLUMN_GAP
    layout.height = (max(slot_of.values()) + 1) * ROW_PITCH - 1
    grid: dict[tuple[int, int], int] = {}
    arrows: set[tuple[int, int]] = set()

    for index, layer in enumerate(layers):
        layer.sort(key=slot_of.__getitem__)
        for node in layer:
            x, y = index * pitch, slot_of[node] * ROW_PITCH
            if node in deps:
                layout.boxes[node] = NodeBox(node, index, slot_of[node], x, y, box_width)
            else:
                _horizontal(grid, x, x + box_width - 1, y + 1)
        layout.layers.append([node for node in layer if node in deps])

    for index, layer in enumerate(layers[:-1]):
        gap_start = index * pitch + box_width
        channels = max(1, COLUMN_GAP - 4)
        sources = [node for node in layer if succs[node]]
        for channel_index, source in enumerate(sources):
            channel = gap_start + 2 + channel_index % channels
            source_y = slot_of[source] * ROW_PITCH + 1
            for target in succs[source]:
                target_y = slot_of[target] * ROW_PITCH + 1
                end = gap_start + COLUMN_GAP - 1
                if target_y == source_y:
                    _horizontal(grid, gap_start, end, source_y)
                else:
                    _horizontal(grid, gap_start, channel, source_y)
                    _vertical(grid, channel, source_y, target_y)
                    _horizontal(grid, channel, end, target_y)
                if target in deps:
                    arrows.add((end, target_y))

    layout.rows = _rows(layout, grid, arrows)
    return layout


def _horizontal(grid: dict[tuple[int, int], int], x1: int, x2: int, y: int) -> None:
    """Draw a horizontal run from x1 to x2 (inclusive) on row y."""
    low, high = sorted((x1, x2))
    for x in range(low, high + 1):
        bits = (_LEFT if x > low else 0) | (_RIGHT if x < high else 0)
        grid[x, y] = grid.get((x, y), 0) | (bits or _LEFT | _RIGHT)


def _vertical(grid: dict[tuple[int, int], int], x: int, y1: int, y2: int) -> None:
    """Draw a vertical run from y1 to y2 (inclusive) in column x."""
    low, high = sorted((y1, y2))
    for y in range(low, high + 1):
        bits = (_UP if y > low else 0) | (_DOWN if y < high else 0)
        grid[x, y] = grid.get((x, y), 0) | bits


def _rows(
    layout: PlanLayout, grid: dict[tuple[int, int], int], arrows: set[tuple[int, int]]
) -> list[list[RowItem]]:
    """Merge edge cells into runs and add box parts, each row sorted by x."""
    cells_by_row: dict[int, dict[int, str]] = {}
    for (x, y), bits in grid.items():
        cells_by_row.setdefault(y, {})[x] = ARROW if (x, y) in arrows else _JUNCTIONS[bits]
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
        for part in range(BOX_HEIGHT):
            rows[box.y + part].append((box.x, "box", box.node_id, part))
    for row in rows:
        row.sort()
    return rows
