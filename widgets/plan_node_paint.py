"""How one plan node is drawn: glyphs, text and segments (no Textual, no state).

PlanGraph decides the styles (state colours, selection) and where a node
sits; these functions turn a node's figures into the characters of a compact
one-line node or of one row of a three-row box.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from .formatting import format_elapsed
from .plan_layout import META_WIDTH

SPINNER_FRAMES = "◐◓◑◒"
"""Quarter-turns of a circle: in every monospace font (braille spinners are not)."""
STATE_GLYPHS: dict[str, str] = {
    "pending": "○",
    "done": "✓",
    "failed": "✗",
    "skipped": "\u2013",  # en dash
    "cancelled": "⊘",
}
#: One edge of a box: its left corner, the fill between, its right corner.
BoxEdge = tuple[str, str, str]
PLAIN_BORDER: tuple[BoxEdge, str, BoxEdge] = (("╭", "─", "╮"), "│", ("╰", "─", "╯"))
SELECTED_BORDER: tuple[BoxEdge, str, BoxEdge] = (("┏", "━", "┓"), "┃", ("┗", "━", "┛"))

NodeText = tuple[str, str, str]
"""(glyph, label padded to the label width, meta right-aligned to META_WIDTH)."""


def node_text(
    label: str, state: str, elapsed: float, iteration: int, label_width: int, spinner_frame: int
) -> NodeText:
    """The glyph, label and '1.6s #2' meta of a node as it is now."""
    glyph = (
        SPINNER_FRAMES[spinner_frame % len(SPINNER_FRAMES)]
        if state == "running"
        else STATE_GLYPHS[state]
    )
    shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
    meta = format_elapsed(elapsed)
    if iteration > 1:
        meta = f"{meta} #{iteration}".strip()
    return glyph, f"{shown:<{label_width}}", f"{meta[-META_WIDTH:]:>{META_WIDTH}}"


def compact_segments(text: NodeText, style: Style) -> list[Segment]:
    """A one-line node: ' ◐ Generator  1.6s #2 ', all in one style."""
    glyph, label, meta = text
    return [Segment(f" {glyph} {label} {meta} ", style)]


def box_segments(
    text: NodeText,
    part: int,
    box_width: int,
    *,
    state_style: Style,
    text_style: Style,
    selected: bool,
) -> list[Segment]:
    """Row `part` (0 top, 1 middle, 2 bottom) of a boxed node."""
    top, side, bottom = SELECTED_BORDER if selected else PLAIN_BORDER
    if part != 1:
        left, fill, right = top if part == 0 else bottom
        return [Segment(left + fill * (box_width - 2) + right, state_style)]
    glyph, label, meta = text
    return [
        Segment(f"{side} {glyph} ", state_style),
        Segment(f"{label} {meta} ", text_style),
        Segment(side, state_style),
    ]
