"""A failing test cut by the verification leaves a module a person keeps as written.

Real runs of the verification under bubblewrap: the suite's failing test is
the only one using an import and sits in the middle of its class, so what is
left must lose that import and the doubled blank lines the cut leaves.
"""

from __future__ import annotations

import time

from support.ruff_runs import ruff
from synth_samples import prober_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.formatting import format_source
from regoose_tui.synth.verify_loop import verify
from regoose_tui.synth.verify_plan import VerifyCost
from tests.core.runtime.sandbox_helpers import require_bwrap

MODULE = """
def kind(x):
    if x > 0:
        return "positive"
    return "other"
"""

SUITE = """import math

from kinds import kind


class TestKind:
    def test_positive(self):
        assert kind(3) == "positive"

    def test_wrong_on_purpose(self):
        assert kind(math.pi) == "other"

    def test_other(self):
        assert kind(0) == "other"
"""


async def test_the_cut_takes_its_import_and_blank_lines_with_it(tmp_path):
    require_bwrap()
    prober = prober_for(tmp_path, "kinds", MODULE, BwrapRuntime())
    intro = {"has_coverage": True, "file": str(prober.target.path)}
    try:
        source, run, dropped = await verify(
            prober,
            SUITE,
            intro,
            lambda _line: None,
            time.monotonic() + 60,
            cost=VerifyCost(per_case=0.01, session=0.5),
            tidy=format_source,
        )
    finally:
        await prober.close()
    assert dropped == 1 and run is not None and not run.failed
    assert "test_wrong_on_purpose" not in source and "import math" not in source
    assert "def test_positive" in source and "def test_other" in source
    check = ruff("check", "--isolated", "--select", "E,F,I,B", "-", source=source)
    assert check.returncode == 0, source
    assert ruff("format", "--isolated", "--check", "-", source=source).returncode == 0, source
