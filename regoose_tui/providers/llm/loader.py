"""The one place litellm is imported: lazily, with the local cost map, quietly, off the loop.

Importing litellm costs ~3.5 s (more on a loaded machine) and its first call
imports another few hundred modules (the OpenAI SDK's resources, LiteLLM's
proxy types, the tokenizer). ``warm_up`` does all of that once in a worker
thread, so the event loop (and the chat on it) never stalls for it and the
first call's timeout measures the model, not Python's import system.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
from types import ModuleType

#: What LiteLLM's first acompletion imports (measured on 1.106: ~480 modules, ~2.5 s).
_FIRST_CALL_MODULES = (
    "openai.resources",
    "litellm.proxy._types",
    "litellm._service_logger",
    "litellm.llms.litellm_proxy",
    "litellm.litellm_core_utils.default_encoding",
    "tiktoken_ext.openai_public",
)
_warmed = threading.Event()
_warm_lock = threading.Lock()


def litellm() -> ModuleType:
    """The litellm module, imported on first use (never at app start)."""
    # Without this LiteLLM fetches its price list from the network at import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm as module

    # Its "Give Feedback / Get Help" banner would print on every failed call.
    module.suppress_debug_info = True
    return module


def _warm() -> None:
    with _warm_lock:
        if _warmed.is_set():
            return
        module = litellm()
        for name in _FIRST_CALL_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # a later LiteLLM may have moved it; the call imports it then
                pass
        # Loads the tokenizer the fallback token count uses.
        module.token_counter(model="gpt-4o-mini", text="warm")
        _warmed.set()


async def warm_up() -> ModuleType:
    """litellm, imported and warmed in a worker thread the first time."""
    if not _warmed.is_set():
        await asyncio.to_thread(_warm)
    return litellm()
