"""Mask values that look like API keys before anything reaches the disk.

The store never asks for secrets, but events carry free text (tool arguments,
error messages, chat) where a key can slip in; this is the last line of
defence. Masking keeps a short prefix so a reader still sees *which* kind of
key leaked.
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "***"

#: Shapes of well-known secret tokens (OpenAI/Anthropic/DeepSeek ``sk-``,
#: Google ``AIza``, AWS access key ids, GitHub and Hugging Face tokens, bearer
#: headers). The look-behind keeps words such as ``task-...`` intact.
_SECRET_VALUE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?P<sk>sk-)[A-Za-z0-9_\-]{16,}"
    r"|(?P<aiza>AIza)[0-9A-Za-z_\-]{30,}"
    r"|(?P<akia>AKIA)[0-9A-Z]{16}"
    r"|(?P<gh>gh[pousr]_)[A-Za-z0-9]{30,}"
    r"|(?P<hf>hf_)[A-Za-z0-9]{30,}"
    r"|(?P<bearer>[Bb]earer\s+)[A-Za-z0-9._\-~+/]{16,}=*"
    r")"
)

#: Mapping keys whose string value is a secret whatever it looks like.
_SECRET_KEY = re.compile(
    r"^(?:x[-_])?(?:api[-_]?key|auth[-_]?token|access[-_]?token|secret(?:[-_]key)?"
    r"|password|passwd|authorization)$",
    re.IGNORECASE,
)

#: Cheap test on serialised JSON, run on the lower-cased text (an
#: IGNORECASE alternation is ten times slower): only documents that match are
#: parsed and walked.
_SUSPECT = re.compile(
    r"sk-|aiza|akia|gh[pousr]_|hf_|bearer|api[-_]?key|token\"|secret|passw|authorization"
)


def _mask_match(match: re.Match[str]) -> str:
    prefix = next(group for group in match.groups() if group is not None)
    return f"{prefix}{MASK}"


def scrub_text(text: str) -> str:
    """Return ``text`` with every key-shaped value masked."""
    return _SECRET_VALUE.sub(_mask_match, text)


def scrub_value(value: Any) -> Any:
    """Return a copy of a JSON-like value with secrets masked, by shape and by key."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: (
                MASK
                if isinstance(key, str) and isinstance(item, str) and _SECRET_KEY.match(key)
                else scrub_value(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    return value


def scrub_json(document: str) -> str:
    """Return a JSON document with secrets masked; clean documents come back unchanged."""
    if not _SUSPECT.search(document.lower()):
        return document
    return json.dumps(scrub_value(json.loads(document)), ensure_ascii=False)
