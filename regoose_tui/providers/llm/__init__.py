"""LiteLLM-backed providers: the call layer (client), prompts, answer parsing, the provider.

Nothing in this package imports litellm at module import: ``loader.litellm``
does it on the first call, so choosing a model costs the ~3.5 s import only
when a model is really used.
"""
