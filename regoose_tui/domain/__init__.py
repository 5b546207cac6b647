"""What agents, engine, providers and synth share: the target, feedback, suite edits.

A neutral package at the bottom of the core (it imports only errors, config
and the standard library), so the layers above it can all speak the same
types without importing one another.
"""
