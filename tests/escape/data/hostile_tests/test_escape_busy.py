"""A busy loop past the timeout (run with a short --timeout)."""


def test_spins():
    while True:
        pass
