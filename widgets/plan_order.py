"""Ordering a plan DAG into layers for PlanGraph: pure data, no Textual.

A node sits one layer after its deepest dependency (longest-path layering).
Edges longer than one layer pass through dummy slots; a few barycentre sweeps
order each layer to reduce crossings, then nodes get slots near the median of
their neighbours. Nothing here knows about orientation or box sizes: the same
arrangement is drawn left to right or top to bottom by plan_layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

ORDER_SWEEPS = 6

NodeSpec = tuple[str, Sequence[str], str]
"""(id, deps, label) of one plan node."""


@dataclass(frozen=True)
class Arrangement:
    """Layers in slot order (dummies included), slots, and the edges between slots."""

    layers: tuple[tuple[str, ...], ...]
    """Per layer, its entries (real ids and dummy ids) sorted by slot."""
    slot_of: Mapping[str, int]
    """Position of each entry across its layer (0 = first), never shared within a layer."""
    succs: Mapping[str, Sequence[str]]
    """Entries each entry points to, in the next layer."""
    labels: Mapping[str, str]
    """Label of each real node (dummies have none)."""

    def is_real(self, entry: str) -> bool:
        """True for a plan node, False for a dummy slot of a long edge."""
        return entry in self.labels

    @property
    def slot_count(self) -> int:
        """How many slots the widest layer needs."""
        return max(self.slot_of.values(), default=-1) + 1


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
    """Slots near the median neighbour, in layer order, never overlapping."""
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


def arrange(nodes: Sequence[NodeSpec]) -> Arrangement:
    """Layer, order and slot (id, deps, label) triples; ids must be unique."""
    deps = {node_id: list(node_deps) for node_id, node_deps, _ in nodes}
    labels = {node_id: label for node_id, _, label in nodes}
    if not deps:
        return Arrangement((), {}, {}, {})
    layer_of = assign_layers(deps)
    preds: dict[str, list[str]] = {node: [] for node in deps}
    succs: dict[str, list[str]] = {node: [] for node in deps}
    layers: list[list[str]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for node_id in deps:
        layers[layer_of[node_id]].append(node_id)
    for node_id, node_deps in deps.items():
        for dep in dict.fromkeys(node_deps):
            if dep not in deps or layer_of[dep] >= layer_of[node_id]:
                continue
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
    ordered = tuple(tuple(sorted(layer, key=slot_of.__getitem__)) for layer in layers)
    return Arrangement(ordered, slot_of, succs, labels)
