"""One walker finds the innermost function of a line: its node and its qualified name.

The suspect check needs the node (its parameters, the uses it makes of them)
and the report needs ``Class.method``; both come from ``innermost_def``.
"""

from __future__ import annotations

import ast

import pytest

from regoose_tui.domain.arg_constraints import called_name
from regoose_tui.domain.defs import innermost_def
from regoose_tui.domain.suspects import enclosing_function

SOURCE = """def top(x):
    return x


class Money:
    def show(self, pattern):
        def inner(v):
            return pattern % v

        return inner(self)

    async def fetch(self):
        return 1


X = 1
"""


@pytest.mark.parametrize(
    ("line", "qualname", "node_name"),
    [
        (2, "top", "top"),
        (6, "Money.show", "show"),
        (8, "Money.show.inner", "inner"),
        (10, "Money.show", "show"),
        (13, "Money.fetch", "fetch"),
    ],
)
def test_the_innermost_def_gives_its_node_and_its_qualified_name(line, qualname, node_name):
    found = innermost_def(ast.parse(SOURCE), line)
    assert found is not None
    assert (found.qualname, found.node.name) == (qualname, node_name)
    assert enclosing_function(SOURCE, line) == qualname


@pytest.mark.parametrize("line", [4, 5, 16])
def test_a_line_outside_every_function_has_none(line):
    assert innermost_def(ast.parse(SOURCE), line) is None
    assert enclosing_function(SOURCE, line) is None


def test_enclosing_function_of_source_that_does_not_parse_is_none():
    assert enclosing_function("def f(:\n", 1) is None


@pytest.mark.parametrize(
    ("call", "name"),
    [("size(3, format='a')", "size"), ("money.show('{0}')", "show"), ("make()()", None)],
)
def test_called_name_is_the_function_or_method_a_call_calls(call, name):
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    assert called_name(node) == name
