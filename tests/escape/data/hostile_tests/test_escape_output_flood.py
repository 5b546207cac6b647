"""50 MB of output, then a failure (pytest shows captured output of failures)."""

import sys


def test_floods_then_fails():
    line = "x" * 999 + "\n"
    for _ in range(50 * 1024):
        sys.stdout.write(line)
    raise AssertionError("flooded")
