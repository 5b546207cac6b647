"""Whether a generated test checks what one of a project file's tests already checks.

Two tests are the same when their bodies are the same once every name is
replaced by what it is bound to (``tu.make_sentinel`` and ``make_sentinel`` from
``boltons.typeutils`` both read ``boltons.typeutils.make_sentinel``), or when
each assert the generated one makes is one the file already makes. The tests
Regoose added to the file before are the file's tests too. Pure AST work.
"""

from __future__ import annotations

import ast

from regoose_tui.domain.import_join import bindings

_Test = ast.FunctionDef | ast.AsyncFunctionDef


class _Qualify(ast.NodeTransformer):
    """Names replaced by what they are bound to, so two files' tests compare by meaning."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        inner = self.visit(node.value)
        if isinstance(inner, ast.Name):
            return ast.Name(id=f"{inner.id}.{node.attr}", ctx=ast.Load())
        return ast.Attribute(value=inner, attr=node.attr, ctx=ast.Load())


def _checks(
    node: ast.FunctionDef | ast.AsyncFunctionDef, names: dict[str, str]
) -> tuple[str, set[str]]:
    """A test's whole body and its assert statements, names qualified, ``self`` ignored."""
    qualify = _Qualify(names)
    body = [qualify.visit(ast.parse(ast.unparse(stmt)).body[0]) for stmt in node.body]
    args = [a.arg for a in node.args.args if a.arg != "self"]
    key = ast.dump(ast.Module(body=body, type_ignores=[])) + repr(args)
    decorators = [
        ast.dump(qualify.visit(ast.parse(ast.unparse(d)).body[0])) for d in node.decorator_list
    ]
    asserts = {
        ast.dump(stmt) for part in body for stmt in ast.walk(part) if isinstance(stmt, ast.Assert)
    }
    return key + repr(decorators), asserts


def _host_tests(
    tree: ast.Module,
) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(
                    item, ast.FunctionDef | ast.AsyncFunctionDef
                ) and item.name.startswith("test"):
                    found.append((f"{node.name}::{item.name}", item))
    return found


class Repeats:
    """The tests of one host file, to look a suite's tests up in."""

    def __init__(self, host: ast.Module, suite_names: dict[str, str]) -> None:
        host_names = bindings(host).names
        self._known: dict[str, str] = {}
        self._asserts: dict[str, str] = {}
        for name, test in _host_tests(host):
            key, asserts = _checks(test, host_names)
            self._known.setdefault(key, name)
            for one in asserts:
                self._asserts.setdefault(one, name)
        # The suite's names, as the host binds them where it binds them too.
        self._names = {**suite_names, **host_names}

    def of(self, test: _Test) -> str | None:
        """The host test ``test`` repeats (``Class::name`` or ``name``), or None."""
        key, asserts = _checks(test, self._names)
        if key in self._known:
            return self._known[key]
        if asserts and all(a in self._asserts for a in asserts):
            return self._asserts[min(asserts)]
        return None
