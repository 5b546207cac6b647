"""One test class per unit under test: ``TestIsEmail`` for a function, ``TestTimer`` for a class.

The tests of a unit sit together in a plain class (no base, no fixtures of its
own), in the order they were rendered; a test's name inside its class drops
the unit's words it already starts with (``test_is_email_foo_returns_true`` in
``TestIsEmail`` reads ``test_foo_returns_true``). pytest collects these as
``TestIsEmail::test_foo_returns_true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regoose_tui.synth.model import Candidate, snake


@dataclass
class Grouped:
    """A test placed in its class: the class, its name there, its source at method depth."""

    cls: str
    method: str
    source: str

    @property
    def node_name(self) -> str:
        """``TestClass::test_method``, as pytest and the suite editor name it."""
        return f"{self.cls}::{self.method}"


def unit_of(cand: Candidate) -> str:
    """The unit a candidate tests: the function's name, or the class that owns the callee."""
    if cand.callee.kind == "function":
        return cand.callee.name
    return cand.callee.owner or cand.callee.symbol


def class_name(unit: str) -> str:
    """``is_email`` -> ``TestIsEmail``; ``HTTPError`` -> ``TestHTTPError``; ``_parse`` -> ``TestParse``."""
    parts = [p for p in re.split(r"_+", unit.strip("_")) if p]
    camel = "".join(p[:1].upper() + p[1:] for p in parts) or "Unit"
    return f"Test{camel}"


def method_name(name: str, unit: str) -> str:
    """``name`` without the unit's words it starts with, when something is left after them."""
    prefix = f"test_{snake(unit)}_"
    rest = name[len(prefix) :] if name.startswith(prefix) else ""
    if rest[:1].isdigit():
        rest = f"with_{rest}"  # ``test_with_3_returns_nine``, not ``test_3_returns_nine``
    return f"test_{rest}" if rest else name


def as_method(source: str, method: str) -> str:
    """A test function's source as a method: renamed, ``self`` first, indented one level.

    Decorator lines above the ``def`` (a suspected bug's strict xfail) stay above it.
    """
    lines = source.rstrip("\n").split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("def ")), 0)
    match = re.match(r"def \w+\((.*)\):$", lines[at])
    params = match.group(1) if match else ""
    lines[at] = f"def {method}(self, {params}):" if params else f"def {method}(self):"
    return "\n".join(f"    {line}" if line else line for line in lines) + "\n"


def group(tests: list[tuple[str, str, Candidate]]) -> list[Grouped]:
    """Place each ``(name, source, candidate)`` in its unit's class, classes in first-seen order."""
    classes: dict[str, str] = {}
    taken: dict[str, set[str]] = {}
    placed: list[Grouped] = []
    for name, source, cand in tests:
        unit = unit_of(cand)
        cls = classes.get(unit)
        if cls is None:
            cls = class_name(unit)
            # A function ``timer`` and a class ``Timer`` would share ``TestTimer``.
            while cls in classes.values():
                cls += "Function" if cand.callee.kind == "function" else "Class"
            classes[unit] = cls
        method = method_name(name, unit)
        if method in taken.setdefault(cls, set()):
            method = name  # the full name is unique in the module, so in the class too
        taken[cls].add(method)
        placed.append(Grouped(cls, method, as_method(source, method)))
    return placed


def render_classes(placed: list[Grouped]) -> str:
    """The classes' source: each class once, its tests in the order given."""
    order: list[str] = []
    bodies: dict[str, list[str]] = {}
    for item in placed:
        if item.cls not in bodies:
            order.append(item.cls)
            bodies[item.cls] = []
        bodies[item.cls].append(item.source)
    blocks = [f"class {cls}:\n" + "\n".join(bodies[cls]) for cls in order]
    return "\n\n".join(blocks)
