"""PlanGraph in a harness app: rendering, diffing, navigation and messages."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from regoose_tui.widgets.plan_graph import SPINNER_FRAMES, PlanGraph

Node = PlanGraph.Node


def twenty_nodes() -> list[PlanGraph.Node]:
    nodes = [Node("root", "analyzer", "done", (), 1.5)]
    for index in range(1, 20):
        parent = "root" if index < 5 else f"n{index - 4}"
        node_id = f"n{index}"
        nodes.append(Node(node_id, f"agent {index}", "pending", (parent,)))
    return nodes


class GraphApp(App[None]):
    def __init__(self, nodes: list[PlanGraph.Node]) -> None:
        super().__init__()
        self.initial = nodes
        self.messages: list[PlanGraph.NodeSelected] = []

    def compose(self) -> ComposeResult:
        yield PlanGraph(self.initial, id="graph")

    def on_plan_graph_node_selected(self, message: PlanGraph.NodeSelected) -> None:
        self.messages.append(message)


def full_picture(graph: PlanGraph) -> str:
    return "\n".join(
        graph.render_line(y).text for y in range(graph.scrollable_content_region.height)
    )


async def test_twenty_node_graph_renders_every_label() -> None:
    app = GraphApp(twenty_nodes())
    async with app.run_test(size=(260, 90)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        await pilot.pause()
        assert graph.plan_layout.height <= 90 and graph.plan_layout.width <= 260
        picture = full_picture(graph)
        for node in twenty_nodes():
            assert node.label in picture
        assert "✓ analyzer" in picture and "1.5s" in picture
        assert len(graph.plan_layout.layers) == 6


async def test_state_change_rerenders_the_box_without_relayout() -> None:
    nodes = twenty_nodes()
    app = GraphApp(nodes)
    async with app.run_test(size=(260, 90)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        await pilot.pause()
        layouts = graph.layout_count
        box = graph.plan_layout.boxes["n3"]
        assert "○ agent 3" in graph.render_line(box.y + 1).text

        nodes[3] = Node("n3", "agent 3", "failed", ("root",), 75.0, 2)
        graph.nodes = tuple(nodes)
        await pilot.pause()
        middle = graph.render_line(box.y + 1).text
        assert "✗ agent 3" in middle and "1m15s #2" in middle
        assert graph.layout_count == layouts

        graph.nodes = (*nodes, Node("extra", "late agent", "pending", ("n19",)))
        await pilot.pause()
        assert graph.layout_count == layouts + 1
        assert "late agent" in full_picture(graph)


async def test_arrow_keys_move_selection_and_enter_posts_node_selected() -> None:
    nodes = [
        Node("a", "analyzer"),
        Node("g1", "gen one", deps=("a",)),
        Node("g2", "gen two", deps=("a",)),
        Node("x", "executor", deps=("g1", "g2")),
    ]
    app = GraphApp(nodes)
    async with app.run_test(size=(200, 40)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        graph.focus()
        await pilot.press("right")
        assert graph.selected_id == "a"
        await pilot.press("right")
        assert graph.selected_id in {"g1", "g2"}
        layer = graph.plan_layout.layers[1]
        top = layer[0]
        if graph.selected_id != top:
            await pilot.press("up")
        assert graph.selected_id == top
        await pilot.press("down")
        assert graph.selected_id == layer[1]
        await pilot.press("down")
        assert graph.selected_id == layer[1]
        await pilot.press("right")
        assert graph.selected_id == "x"
        await pilot.press("left", "left")
        assert graph.selected_id == "a"
        await pilot.press("enter")
        await pilot.pause()
        assert [(m.node_id, m.control) for m in app.messages] == [("a", graph)]


async def test_spinner_animates_only_while_a_node_runs() -> None:
    app = GraphApp([Node("a", "analyzer", "running")])
    async with app.run_test(size=(80, 10)) as pilot:
        graph = pilot.app.query_one(PlanGraph)

        def glyph() -> str:
            text_row = graph.render_line(1).text
            return text_row[text_row.index("analyzer") - 2]

        frames = set()
        for _ in range(4):
            frames.add(glyph())
            await pilot.pause(0.12)
        assert len(frames) >= 2 and frames <= set(SPINNER_FRAMES)

        graph.nodes = (Node("a", "analyzer", "done"),)
        await pilot.pause(0.25)
        assert glyph() == "✓"


async def test_duplicate_ids_are_refused() -> None:
    app = GraphApp([])
    async with app.run_test(size=(80, 10)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        try:
            graph.nodes = (Node("a", "one"), Node("a", "two"))
        except ValueError as error:
            assert "unique" in str(error)
        else:
            raise AssertionError("duplicate ids accepted")


CHAIN = [
    Node("analyzer", "Analyzer", "done", (), 0.1),
    Node("generator", "Generator", "running", ("analyzer",), 1.6, 2),
    Node("executor", "Executor", "pending", ("generator",), 0.0, 2),
    Node("validator", "Validator", "failed", ("executor",), 3.0),
    Node("reporter", "Reporter", "pending", ("validator",)),
]


class SizedGraphApp(GraphApp):
    """The graph in a pane of a given size, like the main screen's top-right pane."""

    def __init__(self, nodes: list[PlanGraph.Node], width: int, height: int) -> None:
        super().__init__(nodes)
        self.pane = (width, height)

    def compose(self) -> ComposeResult:
        graph = PlanGraph(self.initial, id="graph")
        graph.styles.width, graph.styles.height = self.pane
        yield graph


async def test_a_five_agent_chain_fits_a_small_pane_top_to_bottom() -> None:
    app = SizedGraphApp(CHAIN, 60, 11)
    async with app.run_test(size=(100, 30)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        await pilot.pause()
        layout = graph.plan_layout
        assert (layout.orientation, layout.style) == ("vertical", "compact")
        assert layout.width <= 60 and layout.height <= 11
        rows = [graph.render_line(y).text for y in range(11)]
        for node in CHAIN:
            assert any(node.label in row for row in rows), node.label
        generator_row = next(row for row in rows if "Generator" in row)
        assert "1.6s #2" in generator_row
        assert "✗ Validator" in "".join(rows) and "✓ Analyzer" in "".join(rows)
        # One arrow between each pair of layers, straight under each other.
        arrow_rows = [row for row in rows if "▼" in row]
        assert len(arrow_rows) == 4
        assert len({row.index("▼") for row in arrow_rows}) == 1

        # A wide and tall pane gets the boxes, left to right.
        graph.styles.width, graph.styles.height = 180, 5
        await pilot.pause()
        assert (graph.plan_layout.orientation, graph.plan_layout.style) == (
            "horizontal",
            "boxed",
        )


async def test_fixed_orientation_and_style_are_kept_whatever_the_size() -> None:
    app = SizedGraphApp(CHAIN, 60, 11)
    async with app.run_test(size=(100, 30)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        graph.orientation = "horizontal"
        graph.node_style = "boxed"
        await pilot.pause()
        assert (graph.plan_layout.orientation, graph.plan_layout.style) == (
            "horizontal",
            "boxed",
        )
        assert graph.plan_layout.width > 60  # it scrolls instead
        layouts = graph.layout_count
        graph.nodes = tuple(replace(node, state="done") for node in CHAIN)
        await pilot.pause()
        assert graph.layout_count == layouts


async def test_vertical_arrows_cross_layers_with_up_down_and_stay_in_one_with_left_right() -> None:
    nodes = [
        Node("a", "analyzer"),
        Node("g1", "gen one", deps=("a",)),
        Node("g2", "gen two", deps=("a",)),
        Node("x", "executor", deps=("g1", "g2")),
    ]
    app = GraphApp(nodes)
    async with app.run_test(size=(120, 40)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        graph.orientation = "vertical"
        graph.focus()
        await pilot.pause()
        assert graph.plan_layout.orientation == "vertical"
        await pilot.press("down")
        assert graph.selected_id == "a"
        await pilot.press("down")
        layer = graph.plan_layout.layers[1]
        assert graph.selected_id in layer
        await pilot.press("left")
        assert graph.selected_id == layer[0]
        await pilot.press("right")
        assert graph.selected_id == layer[1]
        await pilot.press("right")
        assert graph.selected_id == layer[1]
        await pilot.press("down")
        assert graph.selected_id == "x"
        await pilot.press("up", "up")
        assert graph.selected_id == "a"
        await pilot.press("enter")
        await pilot.pause()
        assert [m.node_id for m in app.messages] == ["a"]


async def test_clicking_a_centred_compact_node_selects_it() -> None:
    app = SizedGraphApp(CHAIN, 60, 11)
    async with app.run_test(size=(100, 30)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        await pilot.pause()
        rows = [graph.render_line(y).text for y in range(11)]
        y = next(index for index, row in enumerate(rows) if "Executor" in row)
        x = rows[y].index("Executor")
        await pilot.click(graph, offset=(x, y))
        await pilot.pause()
        assert graph.selected_id == "executor"
        assert [m.node_id for m in app.messages] == ["executor"]


async def test_placeholder_shows_until_there_are_nodes() -> None:
    app = GraphApp([])
    async with app.run_test(size=(80, 10)) as pilot:
        graph = pilot.app.query_one(PlanGraph)
        graph.placeholder = "No plan yet"
        await pilot.pause()
        assert "No plan yet" in graph.render_line(0).text
        graph.nodes = tuple(CHAIN[:1])
        await pilot.pause()
        assert "No plan yet" not in "".join(graph.render_line(y).text for y in range(10))
