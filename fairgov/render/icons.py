"""Status icons: a distinct glyph per status (tick, cross, question mark, exclamation, slash),
so a status reads in grey-scale and for colour-blind readers; the word is always printed
next to it. Glyphs (DejaVu Sans covers them) are far cheaper to lay out than inline SVG."""

from __future__ import annotations

from markupsafe import Markup, escape

GLYPHS = {"pass": "✔", "fail": "✘", "inconclusive": "?", "warn": "!", "waived": "⊘"}


def status_icon(status: str) -> Markup:
    glyph = GLYPHS.get(status, "?")
    return Markup(f'<span class="icon icon-{escape(status)}" aria-hidden="true">{glyph}</span>')  # noqa: S704
