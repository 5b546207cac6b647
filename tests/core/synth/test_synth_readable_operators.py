"""Tests of an operator or a property that raises read as a person writes them.

A comparison or an attribute read alone on its line inside ``pytest.raises``
is what ruff's bugbear rules call pointless (B015, B018); the engine binds it
to ``_`` so the written file passes ``ruff check`` as it is.
"""

from __future__ import annotations

import asyncio

import pytest
from support.ruff_runs import ruff
from synth_samples import synthesize_here

from regoose_tui.synth.formatting import ruff_command

VERSION = '''
class Version:
    """A version number that compares with others and with version strings."""

    def __init__(self, major: int, minor: int = 0):
        self.major = major
        self.minor = minor

    @staticmethod
    def _parse(other):
        if isinstance(other, Version):
            return other
        if isinstance(other, str) and other.count(".") == 1:
            major, minor = other.split(".")
            return Version(int(major), int(minor))
        raise ValueError(f"{other!r} is not a version")

    def __lt__(self, other):
        other = self._parse(other)
        return (self.major, self.minor) < (other.major, other.minor)

    def __eq__(self, other):
        other = self._parse(other)
        return (self.major, self.minor) == (other.major, other.minor)

    __hash__ = None

    @property
    def stable(self):
        if self.major == 0:
            raise ValueError("no stable release before 1.0")
        return True
'''


@pytest.mark.skipif(ruff_command() is None, reason="ruff is not installed")
async def test_a_raising_comparison_or_property_is_bound_not_left_pointless(tmp_path):
    target, result = await synthesize_here(tmp_path, "versions", VERSION)
    source = result.test_source
    assert "pytest.raises(ValueError" in source, source
    assert "_ = " in source, source
    # Judged as a person judges it: the file beside the package, ruff run from there.
    written = target.project_dir / "test_versions.py"
    written.write_text(source, encoding="utf-8")
    check = await asyncio.to_thread(
        ruff,
        *("check", "--isolated", "--select", "E,F,I,B", "--ignore", "E501", written.name),
        cwd=target.project_dir,
    )
    assert check.returncode == 0, check.stdout + source
