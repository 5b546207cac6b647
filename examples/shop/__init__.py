"""A small shop: a cart, pricing rules, stock reservations and text helpers.

This package is the example project Regoose opens with ``make run``; it has
no tests on purpose, so Regoose can write them.
"""

__all__ = ["cart", "inventory", "pricing", "textutil"]
