"""Lets `pytest` run from this folder: its directory goes on sys.path, so `import shop` works."""
