"""PlanGraph in a harness app: rendering, diffing, navigation and messages."""

from __future__ import annotations

from regoose_tui.widgets.plan_graph import PlanGraph
from textual.app import App, ComposeResult
from textual.message import Message

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
        self.messages: list[Message] = []

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
        frames = set()
        for _ in range(4):
            frames.add(graph.render_line(1).text[2])
            await pilot.pause(0.12)
        assert len(frames) >= 2

        graph.nodes = (Node("a", "analyzer", "done"),)
        await pilot.pause(0.25)
        assert graph.render_line(1).text[2] == "✓"


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
