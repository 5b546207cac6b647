"""The offline test-synthesis engine: pytest tests from analysis and execution, no LLM.

Entry points: ``engine.synthesize`` (one passing test module for a target)
and ``analysis.analyze_module`` (static facts about a file, shared with the
analyzer agent). ``probe_script.py`` (and the sandbox-side helpers it stages
beside it) is not imported: it is copied into the sandbox and run by the
target's own interpreter.
"""
