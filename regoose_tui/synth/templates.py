"""Format templates for string parameters the code fills in with ``str.format``.

``self.text.format(self.last, **attributes)`` with ``attributes = {"name": ...,
"milliseconds": self.last * 1000, ...}`` computes values that reach the output
only when the template names them: the default ``"Elapsed: {:0.4f}"`` shows
none of them, so a changed ``* 1000`` goes unnoticed. A person testing it
passes a template that shows every field. Here each ``X.format(...)`` call
whose template is a name or an attribute (``text``, ``self.text``) gives the
parameter of that name the template ``"{a} {b} ..."`` of the keywords the call
passes (``k=...`` and the string keys of a dict literal it unpacks with ``**``).
"""

from __future__ import annotations

import ast

_MAX_FIELDS = 8


def format_templates(source: str) -> dict[str, list[str]]:
    """Parameter or attribute name -> templates naming the fields its ``.format`` call fills."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    out: dict[str, list[str]] = {}
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        dicts = _dict_literals(scope)
        for node in ast.walk(scope):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
            ):
                continue
            owner = _name_of(node.func.value)
            fields = _fields(node, dicts)
            if owner and fields:
                template = " ".join(f"{{{f}}}" for f in fields[:_MAX_FIELDS])
                found = out.setdefault(owner, [])
                if template not in found:
                    found.append(template)
    return out


def _name_of(expr: ast.expr) -> str | None:
    """``text`` for ``text`` and for ``self.text``; None for a literal template."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return expr.attr
    return None


def _dict_literals(scope: ast.AST) -> dict[str, list[str]]:
    """Names bound in ``scope`` to a dict literal -> its string keys (identifiers only)."""
    found: dict[str, list[str]] = {}
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Dict)
        ):
            found[node.targets[0].id] = _keys(node.value)
    return found


def _fields(call: ast.Call, dicts: dict[str, list[str]]) -> list[str]:
    names: dict[str, None] = {}
    for kw in call.keywords:
        if kw.arg is not None:
            names[kw.arg] = None
        elif isinstance(kw.value, ast.Name):
            names.update(dict.fromkeys(dicts.get(kw.value.id, [])))
        elif isinstance(kw.value, ast.Dict):
            names.update(dict.fromkeys(_keys(kw.value)))
    return list(names)


def _keys(node: ast.Dict) -> list[str]:
    """The string keys of a dict literal that a template can name (``{name}``)."""
    return [
        k.value
        for k in node.keys
        if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value.isidentifier()
    ]
