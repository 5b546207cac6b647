"""A test that never exits (run with a short --timeout)."""

import time


def test_sleeps_forever():
    while True:
        time.sleep(3600)
