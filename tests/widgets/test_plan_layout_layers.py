"""The pure layout behind PlanGraph: layering, ordering, geometry."""

from __future__ import annotations

from regoose_tui.widgets.plan_layout import (
    ARROW,
    ARROW_DOWN,
    BOX_HEIGHT,
    NodeStyle,
    PlanLayout,
    assign_layers,
    choose,
    compute_layout,
    measure,
)
from regoose_tui.widgets.plan_order import arrange

CHAIN = [
    ("analyzer", (), "Analyzer"),
    ("generator", ("analyzer",), "Generator"),
    ("executor", ("generator",), "Executor"),
    ("validator", ("executor",), "Validator"),
    ("reporter", ("validator",), "Reporter"),
]


def cells(layout: PlanLayout, char: str) -> set[tuple[int, int]]:
    """Cells of edge runs holding `char`."""
    return {
        (x + offset, y)
        for y, row in enumerate(layout.rows)
        for x, kind, text, _ in row
        if kind == "edge"
        for offset, found in enumerate(text)
        if found == char
    }


def test_longest_path_layering() -> None:
    deps = {
        "analyze": [],
        "gen_a": ["analyze"],
        "gen_b": ["analyze"],
        "exec": ["gen_a", "gen_b"],
        "report": ["exec", "analyze"],
        "orphan": ["missing"],
    }
    assert assign_layers(deps) == {
        "analyze": 0,
        "gen_a": 1,
        "gen_b": 1,
        "exec": 2,
        "report": 3,
        "orphan": 0,
    }


def test_cycles_do_not_hang_and_every_node_gets_a_layer() -> None:
    layers = assign_layers({"a": ["c"], "b": ["a"], "c": ["b"], "d": ["c"]})
    assert set(layers) == {"a", "b", "c", "d"}
    assert layers["d"] == layers["c"] + 1


def test_barycentre_ordering_removes_an_avoidable_crossing() -> None:
    # Given order puts x (child of b) above y (child of a): one crossing unless reordered.
    layout = compute_layout(
        [("a", (), "a"), ("b", (), "b"), ("x", ("b",), "x"), ("y", ("a",), "y")]
    )
    first, second = layout.layers
    assert first.index("a") < first.index("b")
    assert second.index("y") < second.index("x")


def test_boxes_do_not_overlap_and_edges_end_in_arrows() -> None:
    nodes = [(f"n{i}", (f"n{i // 2}",) if i else (), f"node {i}") for i in range(15)]
    layout = compute_layout(nodes)
    assert len(layout.boxes) == 15
    cells: set[tuple[int, int]] = set()
    for box in layout.boxes.values():
        box_cells = {
            (x, y)
            for x in range(box.x, box.x + box.width)
            for y in range(box.y, box.y + BOX_HEIGHT)
        }
        assert not cells & box_cells
        cells |= box_cells
    arrows = sum(
        text.count(ARROW) for row in layout.rows for _, kind, text, _ in row if kind == "edge"
    )
    assert arrows == 14  # one per edge, each ending at a different box


def test_long_edges_route_through_dummy_slots_without_arrows_midway() -> None:
    layout = compute_layout([("a", (), "a"), ("b", ("a",), "b"), ("c", ("b", "a"), "c")])
    assert layout.layers == [["a"], ["b"], ["c"]]
    arrow_cells = {
        (x + offset, y)
        for y, row in enumerate(layout.rows)
        for x, kind, text, _ in row
        if kind == "edge"
        for offset, char in enumerate(text)
        if char == ARROW
    }
    # Inbound edges share one arrow at the box's left side; none ends at the dummy slot.
    expected = {(layout.boxes[n].x - 1, layout.boxes[n].y + 1) for n in ("b", "c")}
    assert arrow_cells == expected
    dummy_rows = [
        row
        for row in layout.rows
        if any(kind == "edge" and "─" * 10 in text for _, kind, text, _ in row)
    ]
    assert dummy_rows, "the a->c edge should pass through layer 1 as a straight run"


def test_vertical_layout_stacks_layers_and_draws_arrows_into_the_tops_of_nodes() -> None:
    nodes = [(f"n{i}", (f"n{i // 2}",) if i else (), f"node {i}") for i in range(15)]
    styles: tuple[NodeStyle, ...] = ("boxed", "compact")
    for style in styles:
        layout = compute_layout(nodes, "vertical", style)
        assert layout.orientation == "vertical" and len(layout.boxes) == 15
        taken: set[tuple[int, int]] = set()
        for box in layout.boxes.values():
            box_cells = {
                (x, y)
                for x in range(box.x, box.x + box.width)
                for y in range(box.y, box.y + box.height)
            }
            assert not taken & box_cells
            taken |= box_cells
            # Layers are rows: every node of a layer shares its top row.
            assert box.y == min(b.y for b in layout.boxes.values() if b.layer == box.layer)
        expected = {
            (box.x + box.width // 2, box.y - 1) for box in layout.boxes.values() if box.layer
        }
        assert cells(layout, ARROW_DOWN) == expected
        assert not cells(layout, ARROW)


def test_a_chain_drawn_top_to_bottom_is_one_column_with_one_arrow_row_between_nodes() -> None:
    layout = compute_layout(CHAIN, "vertical", "compact")
    assert layout.height == 5 + 4 and layout.width == layout.box_width
    assert [box.y for box in layout.boxes.values()] == [0, 2, 4, 6, 8]
    assert (layout.width, layout.height) == measure(arrange(CHAIN), "vertical", "compact")
    boxed = compute_layout(CHAIN, "horizontal", "boxed")
    assert (boxed.width, boxed.height) == measure(arrange(CHAIN), "horizontal", "boxed")


def test_bending_edges_get_channel_rows_and_junctions() -> None:
    fan = [("a", (), "a"), ("b", ("a",), "b"), ("c", ("a",), "c"), ("d", ("b", "c"), "d")]
    layout = compute_layout(fan, "vertical", "compact")
    drawn = "".join(text for row in layout.rows for _, kind, text, _ in row if kind == "edge")
    assert ARROW_DOWN in drawn and any(corner in drawn for corner in "╭╮╰╯")
    # A fan-out needs a row for its horizontal run above the arrows.
    assert layout.boxes["b"].y - (layout.boxes["a"].y + 1) >= 2


def test_choose_prefers_boxes_then_compact_nodes_and_respects_fixed_choices() -> None:
    chain = arrange(CHAIN)
    assert choose(chain, (200, 5)) == ("horizontal", "boxed")
    assert choose(chain, (60, 30)) == ("vertical", "boxed")
    assert choose(chain, (60, 12)) == ("vertical", "compact")
    assert choose(chain, (160, 2)) == ("horizontal", "compact")
    assert choose(chain, (60, 12), orientation="horizontal") == ("horizontal", "compact")
    assert choose(chain, (60, 12), style="boxed") == ("vertical", "boxed")
    # Nothing fits: the picture showing most of itself wins.
    assert choose(chain, (20, 3)) in {("horizontal", "compact"), ("vertical", "compact")}
