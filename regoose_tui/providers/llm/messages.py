"""The chat messages for each kind of request, filled from the prompt templates.

``generation_messages`` picks the prompt from the request: the first round
(module source, analysis, existing tests, observed behaviour); repair when
tests failed (each failing test, its failure, the code under test); coverage
growth when lines or branches are still missed (one missed segment at a
time, CoverUp-style, its source with line numbers). ``strict_retry`` asks
again after an answer with no usable code.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from regoose_tui.domain.feedback import FailedTest, Feedback
from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import TargetSyntaxError
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.llm.prompts import render
from regoose_tui.synth.analysis import ModuleAnalysis, analyze_module

Message = dict[str, str]
FIRST = "first_generation"
REPAIR = "repair"
COVERAGE = "coverage_growth"
_NONE = "(none)"


@dataclass(frozen=True)
class Segment:
    """A stretch of the target still missed: its line range and what in it is missed."""

    start: int
    end: int
    lines: tuple[int, ...]
    branches: tuple[tuple[int, int], ...]


def generation_messages(
    request: GenerationRequest, facts: Sequence[str] = ()
) -> tuple[str, list[Message]]:
    """(prompt kind, messages) for one generate call."""
    kind, messages = _messages(request, facts)
    if request.only:
        # --only: the same prompts, with the names the tests are for said last.
        last = messages[-1]
        names = ", ".join(f"`{name}`" for name in request.only)
        note = f"\n\nWrite tests only for {names}; leave the rest of the module alone."
        messages = [*messages[:-1], {**last, "content": last["content"] + note}]
    return kind, messages


def _messages(request: GenerationRequest, facts: Sequence[str]) -> tuple[str, list[Message]]:
    target = request.target
    feedback = request.feedback if request.iteration > 1 else None
    system = {"role": "system", "content": system_prompt(request.instructions)}
    baseline = request.baseline
    if feedback is None and baseline is not None:
        # The project's own tests run the rest: the first round aims at what they miss.
        segments = missed_segments(target.source, baseline)
        if segments:
            prompt = coverage_prompt(target, baseline, segments[0], facts)
            return COVERAGE, [system, _user(prompt)]
    if feedback is not None and feedback.failed:
        return REPAIR, [system, _user(repair_prompt(target, feedback))]
    if feedback is not None and (feedback.missing_lines or feedback.missing_branches):
        segments = missed_segments(target.source, feedback)
        if segments:
            segment = segments[(request.iteration - 2) % len(segments)]
            prompt = coverage_prompt(target, feedback, segment, facts)
            return COVERAGE, [system, _user(prompt)]
    existing = feedback.kept_test_source if feedback else ""
    return FIRST, [system, _user(first_prompt(target, existing, facts))]


def system_prompt(instructions: str = "") -> str:
    """The system message, with the project's own instructions when it has some."""
    if not instructions.strip():
        return render("system")
    return render("system") + "\n" + render("project_instructions", instructions=instructions)


def strict_retry(messages: list[Message], answer: str, problem: str, module: str) -> list[Message]:
    """The conversation so far plus the unusable answer and the stricter request."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        _user(render("strict_retry", problem=problem, module_name=module)),
    ]


def first_prompt(target: TargetModule, existing_tests: str, facts: Sequence[str]) -> str:
    """The first-generation prompt."""
    return render(
        FIRST,
        module_name=target.module,
        module_path=_relative(target),
        source=target.source.rstrip(),
        analysis=analysis_summary(target),
        existing_tests=_fenced(existing_tests) if existing_tests.strip() else _NONE,
        facts=_facts(facts),
    )


def repair_prompt(target: TargetModule, feedback: Feedback) -> str:
    """The repair prompt for every failing test of the last round."""
    failing = "\n\n".join(_failing(test, feedback.kept_test_source) for test in feedback.failed)
    return render(
        REPAIR,
        module_name=target.module,
        module_path=_relative(target),
        failing_tests=failing,
        source=target.source.rstrip(),
        test_module=feedback.kept_test_source.rstrip() or _NONE,
    )


def coverage_prompt(
    target: TargetModule, feedback: Feedback, segment: Segment, facts: Sequence[str] = ()
) -> str:
    """The coverage-growth prompt for one missed segment (with what was observed, if known)."""
    lines = target.source.splitlines()
    width = len(str(segment.end))
    missed = set(segment.lines) | {src for src, _ in segment.branches}
    excerpt = "\n".join(
        f"{'>>' if n in missed else '  '} {n:>{width}}: {lines[n - 1]}"
        for n in range(segment.start, segment.end + 1)
        if n <= len(lines)
    )
    return render(
        COVERAGE,
        module_name=target.module,
        module_path=_relative(target),
        line_percent=f"{feedback.line_percent:.0f}",
        branch_percent=f"{feedback.branch_percent:.0f}",
        excerpt=excerpt,
        missed_lines=_ranges(segment.lines) or _NONE,
        missed_branches=", ".join(f"{a} -> {b}" for a, b in segment.branches) or _NONE,
        existing_tests=feedback.kept_test_source.rstrip() or "# (no tests kept yet)",
        facts=_facts(facts),
    )


def missed_segments(source: str, feedback: Feedback) -> list[Segment]:
    """The missed lines and branches grouped by the function (or top-level stretch) they are in."""
    analysis = _analysis(source, "target.py")
    groups: dict[tuple[int, int], tuple[set[int], set[tuple[int, int]]]] = {}

    def span(line: int) -> tuple[int, int]:
        fn = analysis.function_at(line) if analysis else None
        return (fn.lineno, fn.end_lineno) if fn else (max(1, line - 2), line + 2)

    for line in feedback.missing_lines:
        groups.setdefault(span(line), (set(), set()))[0].add(line)
    for branch in feedback.missing_branches:
        groups.setdefault(span(branch[0]), (set(), set()))[1].add(branch)
    return [
        Segment(start, end, tuple(sorted(lines)), tuple(sorted(branches)))
        for (start, end), (lines, branches) in sorted(groups.items())
    ]


def analysis_summary(target: TargetModule) -> str:
    """What the static analysis found, one line per function, class and constant."""
    analysis = _analysis(target.source, target.path)
    if analysis is None:
        return "(the module could not be analysed)"
    out: list[str] = []
    for fn in analysis.all_functions():
        if not fn.is_public:
            continue
        params = ", ".join(
            p.name
            + (f": {p.annotation}" if p.annotation else "")
            + (f" = {p.default}" if p.default else "")
            for p in fn.params
        )
        line = f"- {fn.qualname}({params})" + (f" -> {fn.returns}" if fn.returns else "")
        notes = [f"{fn.branch_count} branches"] if fn.branch_count else []
        notes += [f"raises {r.exception}" for r in fn.raises]
        if fn.is_async:
            notes.append("async")
        if fn.doctests:
            notes.append(f"{len(fn.doctests)} doctest examples")
        out.append(line + (f" [{'; '.join(notes)}]" if notes else ""))
    for cls in analysis.classes.values():
        bases = f"({', '.join(cls.bases)})" if cls.bases else ""
        out.append(f"- class {cls.name}{bases}: methods {', '.join(cls.methods) or 'none'}")
    if analysis.constants:
        shown = ", ".join(f"{k} = {v!r}" for k, v in list(analysis.constants.items())[:12])
        out.append(f"- constants: {shown}")
    return "\n".join(out) or "(no public functions or classes)"


def _analysis(source: str, path: object) -> ModuleAnalysis | None:
    try:
        return analyze_module(source, str(path))
    except TargetSyntaxError:
        return None


def _failing(test: FailedTest, module_source: str) -> str:
    source = test.source or _test_source(module_source, test.name)
    details = test.traceback.strip()
    if test.message.strip() and test.message.strip() not in details:
        details = f"{test.message.strip()}\n{details}".strip()
    # The end of a traceback says what failed; its start is pytest's machinery.
    details = details[-3000:] or "(no details)"
    body = f"### {test.name}\n"
    body += f"```python\n{source}\n```\n" if source else "(source not kept; see the traceback)\n"
    return body + f"```\n{details}\n```"


def _test_source(module_source: str, name: str) -> str:
    """The source of test ``name`` (``test_x`` or ``TestY::test_x``) in a module, or ""."""
    wanted = name.split("::")[-1].split("[")[0]
    try:
        tree = ast.parse(module_source)
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == wanted:
            return ast.get_source_segment(module_source, node) or ""
    return ""


def _ranges(numbers: Sequence[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7"."""
    out: list[str] = []
    for n in sorted(set(numbers)):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _facts(facts: Sequence[str]) -> str:
    return "\n".join(f"- {fact}" for fact in facts) if facts else _NONE


def _fenced(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


def _relative(target: TargetModule) -> str:
    try:
        return str(target.path.relative_to(target.project_dir))
    except ValueError:
        return str(target.path)


def _user(content: str) -> Message:
    return {"role": "user", "content": content}
