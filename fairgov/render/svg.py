"""A tiny deterministic SVG writer: fixed number formatting, escaped text and attributes.

Hand-written SVG is faster than matplotlib, byte-stable, and lets every chart carry a
<title>/<desc> for screen readers (weasyprint turns the title into the PDF /Alt text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from fairgov.render import fontwidths

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
#: Okabe-Ito, readable by colour-blind readers; series also differ by marker shape
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond")


def f(x: float) -> str:
    """Coordinates with two decimals, no '-0.00'."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class Svg:
    width: float
    height: float
    ident: str
    title: str
    desc: str
    parts: list[str] = field(default_factory=list)

    def el(self, tag: str, text: str | None = None, **attrs: object) -> None:
        self.parts.append(element(tag, text, attrs))

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self, x: float, y: float, text: str, size: float = 9, anchor: str = "start", **attrs: object
    ) -> None:
        attrs.setdefault("fill", INK)
        self.parts.append(
            element(
                "text", text, {"x": x, "y": y, "font_size": size, "text_anchor": anchor, **attrs}
            )
        )

    def lines(
        self,
        x: float,
        y: float,
        lines: Sequence[str],
        size: float,
        anchor: str = "start",
        **attrs: object,
    ) -> None:
        """Wrapped text: one <text> per line, `line_height(size)` apart, the first baseline at y."""
        for k, text in enumerate(lines):
            self.text(x, y + k * line_height(size), text, size, anchor, **attrs)

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = INK,
        width: float = 1,
        **attrs: object,
    ) -> None:
        self.parts.append(
            element(
                "line",
                None,
                {
                    "x1": x1,
                    "y1": y1,
                    "x2": x2,
                    "y2": y2,
                    "stroke": stroke,
                    "stroke_width": width,
                    **attrs,
                },
            )
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> None:
        self.parts.append(
            element(
                "rect",
                None,
                {"x": x, "y": y, "width": max(w, 0), "height": max(h, 0), "fill": fill, **attrs},
            )
        )

    def marker(
        self, shape: str, x: float, y: float, r: float, fill: str, stroke: str | None = None
    ) -> None:
        stroke = stroke or fill
        if shape == "square":
            self.rect(x - r, y - r, 2 * r, 2 * r, fill, stroke=stroke)
        elif shape == "triangle":
            pts = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
            self.el(
                "polygon",
                points=" ".join(f"{f(a)},{f(b)}" for a, b in pts),
                fill=fill,
                stroke=stroke,
            )
        elif shape == "diamond":
            pts = [(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)]
            self.el(
                "polygon",
                points=" ".join(f"{f(a)},{f(b)}" for a, b in pts),
                fill=fill,
                stroke=stroke,
            )
        else:
            self.el("circle", cx=x, cy=y, r=r, fill=fill, stroke=stroke)

    def render(self) -> Markup:
        tid, did = f"{self.ident}-title", f"{self.ident}-desc"
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(self.ident)}" '
            f'role="img" '
            f'aria-labelledby="{tid} {did}" width="{f(self.width)}" height="{f(self.height)}" '
            f'viewBox="0 0 {f(self.width)} {f(self.height)}" font-family="{FONT}">'
            f'<title id="{tid}">{escape(self.title)}</title><desc '
            f'id="{did}">{escape(self.desc)}</desc>'
        )
        return Markup(head + "".join(self.parts) + "</svg>")  # noqa: S704 - every part is escaped


def element(tag: str, text: str | None, attrs: dict[str, object]) -> str:
    out = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        val = f(value) if isinstance(value, float) else str(value)
        out.append(f' {name}="{escape(val)}"')
    if text is None:
        return "".join(out) + "/>"
    return "".join(out) + f">{escape(text)}</{tag}>"


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = start
    while t <= hi + 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def domain(
    values: Iterable[float | None], pad: float = 0.05, clamp01: bool = False
) -> tuple[float, float]:
    """A padded [lo, hi] covering every value; [0, 1] metrics stay inside [0, 1]."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return (0.0, 1.0)
    lo, hi = min(vals), max(vals)
    span = hi - lo or max(abs(hi), 0.1)
    lo, hi = lo - pad * span, hi + pad * span
    if clamp01:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
        if hi - lo < 0.05:
            lo, hi = max(0.0, lo - 0.05), min(1.0, hi + 0.05)
    ticks = nice_ticks(lo, hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.1
    lo = math.floor(lo / step + 1e-9) * step
    hi = math.ceil(hi / step - 1e-9) * step
    if clamp01:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return (round(lo, 10), round(hi, 10))


#: wrapped lines' baseline distance, in font sizes
LEADING = 1.2
#: measured widths are widened by this share: weasyprint's shaping and a substitute font may
#: differ a little
SLACK = 1.04
_BREAK_AFTER = re.compile(r"(?<=[-/×,;])(?=\S)")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of `text` set in DejaVu Sans (the charts' font) at `size` px; characters
    outside the measured table count as one em, so the estimate errs wide."""
    table = fontwidths.BOLD if bold else fontwidths.REGULAR
    units = sum(table.get(ord(ch), fontwidths.UNITS_PER_EM) for ch in text)
    return units / fontwidths.UNITS_PER_EM * size * SLACK


def line_height(size: float) -> float:
    return size * LEADING


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """`text` broken into lines no wider than `width`: at spaces, then after a hyphen, slash,
    comma or "×", and inside a word (ending the line with "-") only when a word alone is wider
    than the line. Joining the lines gives back every character of `text` (whitespace aside)."""
    text = " ".join(text.split())
    if not text or text_width(text, size, bold) <= width:
        return [text] if text else []
    pieces: list[
        str
    ] = []  # each piece ends where a line may break; spaces kept on the piece before
    for word in text.split(" "):
        parts = _BREAK_AFTER.split(word)
        pieces += parts[:-1] + [parts[-1] + " "]
    lines: list[str] = []
    current = ""
    for piece in pieces:
        if text_width((current + piece).rstrip(), size, bold) <= width:
            current += piece
            continue
        if current:
            lines.append(current.rstrip())
            current = ""
        while text_width(piece.rstrip(), size, bold) > width:  # a word wider than the line
            cut = max(1, _fits(piece, width - text_width("-", size, bold), size, bold))
            lines.append(piece[:cut] + "-")
            piece = piece[cut:]
        current = piece
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _fits(text: str, width: float, size: float, bold: bool) -> int:
    n = 0
    while n < len(text) and text_width(text[: n + 1], size, bold) <= width:
        n += 1
    return n
