"""The fake clock: code that reads the time gets exact timings in its tests."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from synth_samples import synthesize_here

from regoose_tui.synth import clock
from regoose_tui.synth.clock import ClockReads, clock_reads, patch_lines
from regoose_tui.synth.finalize import compare
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.naming import NameRegistry
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.render import render_test

STOPWATCH = '''"""A stopwatch."""
import time
from time import monotonic as now


class Stopwatch:
    """Measures one interval."""

    def __init__(self, unit="s", message="took {:.1f} s"):
        self.unit = unit
        self.message = message
        self.began = None

    def start(self):
        self.began = time.perf_counter()

    def stop(self):
        """Elapsed time in the unit chosen."""
        if self.began is None:
            raise RuntimeError("not started")
        elapsed = time.perf_counter() - self.began
        self.began = None
        print(self.message.format(elapsed, ms=elapsed * 1000, minutes=elapsed / 60))
        return elapsed * 1000 if self.unit == "ms" else elapsed


def stamp():
    return now()


def clock_face():
    return time.strftime("%H:%M", time.localtime(time.time()))


def plain(x):
    return x + 1
'''


def test_clock_reads_finds_module_and_imported_clocks_with_their_lines():
    reads = clock_reads(STOPWATCH, "pkg.watch")
    assert reads.targets == ("pkg.watch.now", "time.perf_counter", "time.time")
    lines = STOPWATCH.splitlines()
    assert {lines[n - 1].strip() for n in reads.lines} == {
        "self.began = time.perf_counter()",
        "elapsed = time.perf_counter() - self.began",
        "return now()",
        'return time.strftime("%H:%M", time.localtime(time.time()))',
    }
    stop_line = lines.index("        elapsed = time.perf_counter() - self.began") + 1
    assert reads.read_by([(stop_line - 1, stop_line)]) == ("time.perf_counter",)
    plain_line = lines.index("    return x + 1") + 1
    assert reads.read_by([(plain_line - 1, plain_line), (plain_line, -plain_line + 1)]) == ()
    assert clock_reads("import time\nx = 1\n", "m") == ClockReads()
    assert clock_reads("def f(:\n", "m") == ClockReads()


def test_probe_and_tests_build_the_same_fake_clock():
    # The probe harness runs under the target's Python alone, so it keeps its own copy.
    harness = Path(clock.__file__).with_name("probe_script.py").read_text()
    found = {
        node.targets[0].id: node.value.value
        for node in ast.parse(harness).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert (found["_CLOCK_START"], found["_CLOCK_STEP"]) == (clock.START, clock.STEP)
    assert patch_lines(["time.time"]) == [
        'monkeypatch.setattr("time.time", itertools.count(1.5, 2.25).__next__)'
    ]
    # Elapsed b - a is told apart from the other operators a mutant could put there.
    a, b = clock.START, clock.START + clock.STEP
    assert len({b - a, b + a, b * a, b / a, b // a, b % a, b**a}) == 7


def test_a_call_with_a_clock_asserts_its_exact_timing_under_monkeypatch():
    stop = Callee("Stopwatch.stop", "method", "Stopwatch", "stop", [], owner="Stopwatch")
    cand = Candidate(0, stop, receiver=None, var="watch", clock=("time.perf_counter",))
    run = {"outcome": "return", "value": {"type": "float", "lit": "2.25", "float": True}}
    obs = compare(cand, dict(run), dict(run))
    assert obs is not None
    test = render_test(obs, SymbolTable(), NameRegistry())
    assert test is not None
    assert test.source.splitlines()[:2] == [
        "def test_stopwatch_stop_returns_float(monkeypatch):",
        '    monkeypatch.setattr("time.perf_counter", itertools.count(1.5, 2.25).__next__)',
    ]
    assert "== pytest.approx(2.25)" in test.source
    assert "import itertools" in test.imports


def test_synthesis_asserts_elapsed_times_exactly(tmp_path):
    _target, result = asyncio.run(synthesize_here(tmp_path, "watch_clock", STOPWATCH))
    source = result.test_source
    assert 'monkeypatch.setattr("time.perf_counter", itertools.count(1.5, 2.25)' in source
    # Each test replaces only the clocks its call reads.
    stamp = source.split("class TestStamp", 1)[1].split("class ", 1)[0]
    assert 'monkeypatch.setattr("watch_clock.now"' in stamp and "perf_counter" not in stamp
    # The elapsed time is a value now, not only a float: 2.25 s, or 2250 ms.
    assert "pytest.approx(2.25)" in source or "pytest.approx(2250.0)" in source
    # A template naming every field the code fills shows each computed value.
    assert "message='{ms} {minutes}'" in source or 'message="{ms} {minutes}"' in source
    assert "2250.0 0.0375" in source
    # A local time from the fake clock depends on the time zone: checked by type only.
    face = source.split("class TestClockFace", 1)[1].split("class ", 1)[0]
    assert 'monkeypatch.setattr("time.time"' in face and "clock_face() ==" not in face
    # A test that reaches no clock read installs no fake clock.
    plain = source.split("class TestPlain", 1)[1].split("class ", 1)[0]
    assert "monkeypatch" not in plain
