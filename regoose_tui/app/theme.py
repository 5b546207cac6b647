"""Regoose's own Textual themes: calm surfaces, loud states (passed, failed, running)."""

from __future__ import annotations

from textual.theme import Theme

REGOOSE_DARK = Theme(
    name="regoose",
    primary="#4FB3BF",
    secondary="#8A7FD4",
    accent="#F2A65A",
    foreground="#D8DEE9",
    background="#0F1620",
    surface="#141D29",
    panel="#1C2836",
    boost="#22303F",
    success="#7CC67C",
    warning="#E8C266",
    error="#E06C75",
    dark=True,
    variables={
        "block-cursor-background": "#4FB3BF",
        "block-cursor-foreground": "#0F1620",
        "footer-key-foreground": "#F2A65A",
        "border-blurred": "#2E3E50",
        "input-selection-background": "#4FB3BF 35%",
    },
)

REGOOSE_LIGHT = Theme(
    name="regoose-light",
    primary="#1F7A86",
    secondary="#5A4FB0",
    accent="#C46A12",
    foreground="#1E2630",
    background="#F4F6F8",
    surface="#FFFFFF",
    panel="#E3E8EE",
    success="#2E8B3E",
    warning="#A87A00",
    error="#C0392B",
    dark=False,
)

#: Themes registered by the app, in palette order.
REGOOSE_THEMES: tuple[Theme, ...] = (REGOOSE_DARK, REGOOSE_LIGHT)

#: Theme used when the user's settings do not name one.
DEFAULT_THEME = REGOOSE_DARK.name
