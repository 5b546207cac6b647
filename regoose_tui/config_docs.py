"""Settings help text: the docstring under each field becomes its description.

pydantic's ``use_attribute_docstrings`` finds those strings by walking the
import's frames and scanning every loaded module for the class's source
(~50 ms at every start of every command); the settings file's own syntax
tree has them in a few milliseconds.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from pydantic import BaseModel


def docstrings_as_descriptions(source_file: str | Path, *models: type[BaseModel]) -> None:
    """Give each field of ``models`` without a description the string written under it.

    ``source_file`` is the module the models are defined in (their ``__file__``).
    Without the source (a bytecode-only install) the fields keep no description.
    """
    try:
        tree = ast.parse(Path(source_file).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return
    by_name = {model.__name__: model for model in models}
    for node in tree.body:
        model = by_name.get(node.name) if isinstance(node, ast.ClassDef) else None
        if model is None:
            continue
        fields = model.model_fields
        assert isinstance(node, ast.ClassDef)
        for statement, following in zip(node.body, node.body[1:], strict=False):
            if not (
                isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
            ):
                continue
            text = _string_of(following)
            field = fields.get(statement.target.id)
            if text is not None and field is not None and field.description is None:
                field.description = inspect.cleandoc(text)


def _string_of(statement: ast.stmt) -> str | None:
    """The text of a bare string statement (a docstring), else None."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        value = statement.value.value
        return value if isinstance(value, str) else None
    return None
