"""Keyboard moves between the nodes of a laid-out plan (pure data, no Textual)."""

from __future__ import annotations

from typing import Literal

from .plan_layout import PlanLayout

Direction = Literal["left", "right", "up", "down"]


def neighbour(layout: PlanLayout, selected: str | None, direction: Direction) -> str | None:
    """The node an arrow key moves to from `selected` (None: stay where it is).

    With nothing selected any arrow picks the first node. Laid out
    horizontally, left/right cross layers and up/down move within one;
    vertically, up/down cross layers and left/right move within one. Crossing
    lands on the node of the next layer whose slot is nearest.
    """
    layers = layout.layers
    if not layers or not layers[0]:
        return None
    box = layout.boxes.get(selected or "")
    if box is None:
        return layers[0][0]
    across = ("left", "right") if layout.orientation == "horizontal" else ("up", "down")
    step = 1 if direction in ("right", "down") else -1
    if direction not in across:
        layer = layers[box.layer]
        index = layer.index(box.node_id) + step
        return layer[index] if 0 <= index < len(layer) else None
    target_layer = box.layer + step
    if not (0 <= target_layer < len(layers) and layers[target_layer]):
        return None
    boxes = layout.boxes
    return min(layers[target_layer], key=lambda node_id: abs(boxes[node_id].slot - box.slot))
