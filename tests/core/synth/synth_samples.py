"""Sample target modules for the offline engine tests, and a helper to write them."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.synth.engine import SynthResult, synthesize
from regoose_tui.synth.probe import Prober
from regoose_tui.tools.sandbox import SandboxTool

CART_SOURCE = '''
"""A small shopping cart: the kind of module users ask tests for."""

from __future__ import annotations

from dataclasses import dataclass, field

TAX_RATES = {"standard": 0.2, "reduced": 0.05, "zero": 0.0}


class CartError(Exception):
    """Raised when the cart is used wrongly."""


@dataclass
class Item:
    name: str
    price: float
    quantity: int = 1

    def total(self) -> float:
        return self.price * self.quantity


@dataclass
class Cart:
    owner: str
    items: list[Item] = field(default_factory=list)

    def add(self, name: str, price: float, quantity: int = 1) -> Item:
        if price < 0:
            raise CartError("price must not be negative")
        if quantity <= 0:
            raise CartError("quantity must be positive")
        for item in self.items:
            if item.name == name:
                item.quantity += quantity
                return item
        item = Item(name, price, quantity)
        self.items.append(item)
        return item

    def remove(self, name: str) -> None:
        for item in self.items:
            if item.name == name:
                self.items.remove(item)
                return
        raise CartError(f"no item named {name!r}")

    def subtotal(self) -> float:
        return sum(item.total() for item in self.items)

    def total(self, rate: str = "standard") -> float:
        if rate not in TAX_RATES:
            raise KeyError(rate)
        return round(self.subtotal() * (1 + TAX_RATES[rate]), 2)

    def is_empty(self) -> bool:
        return not self.items


def classify_triangle(a: int, b: int, c: int) -> str:
    """Name a triangle by its sides.

    >>> classify_triangle(3, 3, 3)
    'equilateral'
    """
    if a <= 0 or b <= 0 or c <= 0:
        raise ValueError("sides must be positive")
    if a + b <= c or a + c <= b or b + c <= a:
        return "impossible"
    if a == b == c:
        return "equilateral"
    if a == b or b == c or a == c:
        return "isosceles"
    return "scalene"


def discount_code(code: str) -> int:
    """Percent off for a code."""
    code = code.strip().upper()
    if code == "SPRING10":
        return 10
    if code.startswith("VIP") and len(code) > 5:
        return 25
    return 0
'''

HANG_SOURCE = '''
def spin(n: int) -> int:
    """Never returns for positive n."""
    while n > 0:
        pass
    return n


def double(x: int) -> int:
    if x > 100:
        return -1
    return x * 2
'''


def make_target(tmp_path: Path, module: str, source: str) -> TargetModule:
    """Write ``source`` as ``module`` in a fresh project folder."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    path = project / f"{module}.py"
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return TargetModule(path=path, module=module, project_dir=project, source=path.read_text())


def sandbox_for(runtime: Runtime, target: TargetModule, work: Path) -> SandboxTool:
    """The container tool the engine hands a provider, over ``runtime`` for ``target``."""
    work.mkdir(parents=True, exist_ok=True)
    return SandboxTool(runtime, target.project_dir, work, python=resolve_python())


async def synthesize_here(
    tmp_path: Path, module: str, source: str, budget_seconds: float = 20
) -> tuple[TargetModule, SynthResult]:
    """One offline generation of ``source`` written as ``module``, local runtime, this Python."""
    target = make_target(tmp_path, module, source)
    result = await synthesize(
        target,
        sandbox_for(LocalRuntime(), target, tmp_path / "sandbox"),
        python=sys.executable,
        budget_seconds=budget_seconds,
        work_dir=tmp_path / "work",
    )
    return target, result


def prober_for(
    tmp_path: Path,
    module: str,
    source: str,
    runtime: Runtime,
    *,
    seconds: float = 60,
    start_ahead: bool = False,
) -> Prober:
    """A Prober for ``source`` written as ``module``, this interpreter, ``seconds`` to run.

    Its work folder is named by the module: a test may make one per module side by side.
    """
    target = make_target(tmp_path, module, source)
    work = tmp_path / f"work-{module}"
    work.mkdir()
    return Prober(
        runtime,
        target,
        python=sys.executable,
        work_dir=work,
        deadline=time.monotonic() + seconds,
        start_ahead=start_ahead,
    )
