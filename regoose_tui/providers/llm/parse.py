"""Turn a model's answer into one pytest module, or say plainly why there is none.

Models wrap code in fences (```python, ```, ~~~), split it over several blocks,
talk around it, and sometimes stop in the middle of a block. The parser takes
every Python block, salvages a cut-off one down to its last complete
statement, merges the blocks (imports once, a later definition of the same
name replaces the earlier one) and checks the result with ``ast``. Nothing
here imports litellm: it is plain text in, text out.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from regoose_tui.domain.suite_edit import collected_names

#: Fence languages that are Python (an empty tag counts: models often omit it).
_PYTHON_TAGS = frozenset({"", "python", "py", "python3", "pytest", "py3"})
_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<marker>`{3,}|~{3,})[ \t]*(?P<tag>[\w+.-]*)")
#: Where code starts when an answer has prose but no fences.
_CODE_START = re.compile(r"^(import |from |def |async def |class |@)")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block of an answer (``closed`` is False when the answer stopped inside it)."""

    tag: str
    code: str
    closed: bool


@dataclass(frozen=True)
class ParsedAnswer:
    """The test module found in an answer, or ``problem`` saying why there is none."""

    source: str = ""
    tests: tuple[str, ...] = ()
    blocks_used: int = 0
    salvaged: bool = False
    problem: str = ""

    @property
    def usable(self) -> bool:
        """True when there is test source to run."""
        return bool(self.source)


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of ``text``, in order; a fence left open runs to the end."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        marker = opened["marker"]
        tag = opened["tag"].lower()
        body: list[str] = []
        i += 1
        closed = False
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                closed = True
                i += 1
                break
            body.append(lines[i])
            i += 1
        blocks.append(CodeBlock(tag=tag, code="\n".join(body), closed=closed))
    return blocks


def parse_answer(text: str) -> ParsedAnswer:
    """The pytest module in ``text`` (see the module docstring for what is accepted)."""
    if not text.strip():
        return ParsedAnswer(problem="the answer was empty")
    blocks = fenced_blocks(text)
    if blocks:
        candidates = [b for b in blocks if b.tag in _PYTHON_TAGS]
        if not candidates:
            tags = ", ".join(sorted({b.tag for b in blocks}))
            return ParsedAnswer(problem=f"the answer's code blocks are not Python ({tags})")
    else:
        candidates = [CodeBlock(tag="", code=_strip_prose(text), closed=True)]
    modules: list[ast.Module] = []
    sources: list[str] = []
    salvaged = False
    for block in candidates:
        code, cut = _parseable_prefix(block.code)
        if code is None:
            continue
        salvaged = salvaged or cut or not block.closed
        modules.append(ast.parse(code))
        sources.append(code)
    if not modules:
        return ParsedAnswer(problem="the answer's code does not parse as Python")
    merged = _merge(modules, sources)
    tree = ast.parse(merged)
    tests = _test_names(tree)
    if not tests:
        return ParsedAnswer(problem="the answer has Python code but no test function")
    return ParsedAnswer(source=merged, tests=tests, blocks_used=len(modules), salvaged=salvaged)


def _strip_prose(text: str) -> str:
    """From the first line that looks like code on (prose after it is cut by the parse check)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if _CODE_START.match(line)), 0)
    return "\n".join(lines[start:])


def _parseable_prefix(code: str) -> tuple[str | None, bool]:
    """``code`` if it parses, else its longest prefix ending before a top-level statement that does.

    Returns (source or None, whether lines were cut). A block cut mid-function
    loses that function and keeps everything before it.
    """
    code = code.strip("\n")
    if _parses(code):
        return (code + "\n", False) if code.strip() else (None, False)
    lines = code.splitlines()
    # Top-level statement starts (no indent, not a continuation), from the end backwards.
    starts = [n for n, line in enumerate(lines) if line and not line[0].isspace() and n > 0]
    for n in reversed(starts):
        prefix = "\n".join(lines[:n]).rstrip()
        if prefix and _parses(prefix):
            return prefix + "\n", True
    return None, True


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _merge(modules: list[ast.Module], sources: list[str]) -> str:
    """One module from several blocks: imports first and once, then the rest in order."""
    future: list[str] = []
    imports: list[str] = []
    body: dict[str, str] = {}  # key -> source; dict order is first appearance
    docstring: str | None = None
    for tree, source in zip(modules, sources, strict=True):
        lines = source.splitlines()
        for node in tree.body:
            start = min([node.lineno, *(d.lineno for d in _decorators(node))])
            end = node.end_lineno or node.lineno
            text = "\n".join(lines[start - 1 : end])
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                _add_once(future, text)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                _add_once(imports, text)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                body[f"def:{node.name}"] = text  # a later version of a test replaces it
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                # The first block's docstring is the module's; other bare strings are prose.
                if docstring is None and not body and not imports:
                    docstring = text
            else:
                body.setdefault(f"stmt:{text}", text)
    parts = [docstring] if docstring else []
    for group in (future, imports):
        if group:
            parts.append("\n".join(group))
    parts.extend(body.values())
    return "\n\n\n".join(parts) + "\n"


def _decorators(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return list(node.decorator_list)
    return []


def _add_once(group: list[str], text: str) -> None:
    if text not in group:
        group.append(text)


def _test_names(tree: ast.Module) -> tuple[str, ...]:
    """Test functions pytest would collect (``test_*`` and ``Test*.test_*``)."""
    return tuple(collected_names(tree))
