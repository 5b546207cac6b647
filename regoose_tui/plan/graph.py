"""Check a plan's shape and turn each strategy into one dependency graph.

Every strategy becomes the same thing, a set of nodes with effective
dependencies, so a single scheduler runs them all: SEQUENTIAL is a chain,
PARALLEL is branches plus a tolerant join. Malformed plans are refused here,
before anything runs, with a PlanError that names the culprit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from regoose_tui.errors import PlanCycleError, PlanError
from regoose_tui.plan.model import Loop, PlanNode, Strategy


@dataclass(frozen=True)
class CompiledNode:
    """A node with the dependencies the scheduler waits for.

    ``visible`` are the nodes whose results the node's context shows: all
    its upstream nodes, direct and indirect (for SEQUENTIAL, every earlier
    node; for a PARALLEL join, the branches). ``loop`` is the index of the
    loop the node belongs to, if any.
    """

    node: PlanNode
    deps: tuple[str, ...]
    visible: tuple[str, ...]
    loop: int | None = None


def compile_plan(
    strategy: Strategy,
    nodes: Sequence[PlanNode],
    join: PlanNode | None,
    loops: Sequence[Loop],
) -> dict[str, CompiledNode]:
    """Validate the plan and return its nodes in plan order, keyed by id."""
    if join is not None and strategy is not Strategy.PARALLEL:
        raise PlanError("only a PARALLEL plan has a join node")
    all_nodes = [*nodes, *([join] if join is not None else [])]
    _refuse_duplicates(all_nodes)

    if strategy is Strategy.SEQUENTIAL:
        compiled = _compile_sequential(nodes)
    elif strategy is Strategy.PARALLEL:
        compiled = _compile_parallel(nodes, join)
    else:
        compiled = _compile_graph(nodes)

    deps = {node_id: c.deps for node_id, c in compiled.items()}
    cycle = find_cycle(deps)
    if cycle is not None:
        raise PlanCycleError("plan has a cycle: " + " -> ".join(cycle))
    if strategy is Strategy.GRAPH:
        # A node sees every upstream result (an executor needs the analysis too), in plan order.
        for node_id, item in compiled.items():
            upstream = _reachable([node_id], deps)
            visible = tuple(other for other in compiled if other in upstream)
            compiled[node_id] = replace(item, visible=visible)
    for index, loop in enumerate(loops):
        _check_loop(loop, deps, compiled, index)
        for node_id in loop.nodes:
            compiled[node_id] = replace(compiled[node_id], loop=index)
    return compiled


def _refuse_duplicates(nodes: Iterable[PlanNode]) -> None:
    seen: set[str] = set()
    for node in nodes:
        if node.id in seen:
            raise PlanError(f"plan has two nodes with id '{node.id}'")
        seen.add(node.id)


def _compile_sequential(nodes: Sequence[PlanNode]) -> dict[str, CompiledNode]:
    compiled: dict[str, CompiledNode] = {}
    earlier: list[str] = []
    for node in nodes:
        for dep in node.deps:
            # Declared deps are implied by the order; anything else is a mistake.
            if dep not in earlier:
                raise PlanError(
                    f"node '{node.id}' depends on '{dep}', which does not come before it "
                    "in this SEQUENTIAL plan"
                )
        chain = (earlier[-1],) if earlier else ()
        compiled[node.id] = CompiledNode(node, deps=chain, visible=tuple(earlier))
        earlier.append(node.id)
    return compiled


def _compile_parallel(
    branches: Sequence[PlanNode], join: PlanNode | None
) -> dict[str, CompiledNode]:
    compiled: dict[str, CompiledNode] = {}
    for branch in branches:
        if branch.deps:
            raise PlanError(f"branch '{branch.id}' of a PARALLEL plan cannot have dependencies")
        compiled[branch.id] = CompiledNode(branch, deps=(), visible=())
    if join is not None:
        branch_ids = tuple(b.id for b in branches)
        # The join always runs, so a failed branch is reported next to the others.
        joined = replace(join, deps=branch_ids, tolerate_failed_deps=True)
        compiled[join.id] = CompiledNode(joined, deps=branch_ids, visible=branch_ids)
    return compiled


def _compile_graph(nodes: Sequence[PlanNode]) -> dict[str, CompiledNode]:
    ids = {node.id for node in nodes}
    compiled: dict[str, CompiledNode] = {}
    for node in nodes:
        for dep in node.deps:
            if dep not in ids:
                raise PlanError(f"node '{node.id}' depends on unknown node '{dep}'")
        unique = tuple(dict.fromkeys(node.deps))
        compiled[node.id] = CompiledNode(node, deps=unique, visible=unique)
    return compiled


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle in run order, closed (``[a, b, c, a]``), or None.

    ``a -> b`` reads "b runs after a". The cycle starts at its node that comes
    first in ``deps`` so the message is the same on every run.
    """
    order = {node_id: index for index, node_id in enumerate(deps)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in deps:
        if state.get(root):
            continue
        # Iterative DFS along "depends on" edges; path mirrors the stack.
        path: list[str] = [root]
        stack: list[Iterator[str]] = [iter(deps[root])]
        state[root] = 1
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(dep) == 1:
                along_deps = path[path.index(dep) :]
                run_order = [along_deps[0], *reversed(along_deps[1:])]
                start = min(range(len(run_order)), key=lambda i: order[run_order[i]])
                rotated = run_order[start:] + run_order[:start]
                return [*rotated, rotated[0]]
            if not state.get(dep):
                state[dep] = 1
                path.append(dep)
                stack.append(iter(deps[dep]))
    return None


def _reachable(starts: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        current = todo.pop()
        for nxt in edges.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_loop(
    loop: Loop,
    deps: Mapping[str, Sequence[str]],
    compiled: Mapping[str, CompiledNode],
    index: int,
) -> None:
    for node_id in loop.nodes:
        if node_id not in compiled:
            raise PlanError(f"loop {index + 1} names unknown node '{node_id}'")
        if compiled[node_id].loop is not None:
            raise PlanError(f"node '{node_id}' is in two loops")
    body = set(loop.nodes)
    dependents: dict[str, list[str]] = {node_id: [] for node_id in deps}
    for node_id, node_deps in deps.items():
        for dep in node_deps:
            dependents[dep].append(node_id)
    # An outside node between two loop nodes would have to run inside every
    # iteration without being repeated: refuse such a loop.
    between = (_reachable(body, dependents) & _reachable(body, deps)) - body
    if between:
        names = ", ".join(sorted(between, key=list(deps).index))
        raise PlanError(
            f"loop ({', '.join(loop.nodes)}) is not closed: {names} runs after one of its "
            "nodes and before another"
        )
