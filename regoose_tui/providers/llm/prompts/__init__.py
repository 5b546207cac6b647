"""The prompt templates, one file each, filled with ``string.Template`` (``$name`` fields).

Templates live beside this module so the wheel ships them (hatch includes a
package's data files) and a prompt change is a text change, not a code change.
"""

from __future__ import annotations

import functools
import string
from importlib import resources

#: Every template shipped with the package (file name without ``.txt``).
NAMES = (
    "system",
    "first_generation",
    "coverage_growth",
    "repair",
    "strict_retry",
    "chat_system",
    "project_instructions",
)


@functools.cache
def template(name: str) -> string.Template:
    """The template called ``name``; raises KeyError for a name not in NAMES."""
    if name not in NAMES:
        raise KeyError(f"no prompt template {name!r}")
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return string.Template(text)


def render(name: str, **fields: object) -> str:
    """Template ``name`` with ``fields`` filled in; a missing field is a KeyError (a bug here)."""
    return template(name).substitute({k: str(v) for k, v in fields.items()}).strip() + "\n"
