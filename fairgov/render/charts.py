"""Inline SVG charts: forest plots, per-group metrics, reliability curves, composition bars.

Every chart draws words next to colours (legends, labels, "fails" bands), so it survives
grey-scale printing; numbers themselves are in the table printed beside each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from fairgov.gates.compare import Limit
from fairgov.render import fmt
from fairgov.render.i18n import gettext
from fairgov.render.svg import GRID, INK, MUTED, PALETTE, SHAPES, Svg, domain, nice_ticks

WIDTH = 640.0
LABEL_W = 132.0
ROW_H = 17.0
BAND_FILL = "#f6d5d1"
BAND_TEXT = "#8a1c12"


@dataclass(frozen=True)
class Point:
    value: float | None
    lo: float | None = None
    hi: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    points: tuple[Point, ...]


@dataclass
class Panel:
    rows: list[Row]
    dom: tuple[float, float]
    title: str = ""
    overall: float | None = None
    band: Limit | None = None  # drawn as the failing side of the limit
    series: int = 1
    extra: list[float] = field(default_factory=list)


def _clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def draw_panel(svg: Svg, x: float, y: float, w: float, panel: Panel, labels: bool = True) -> float:
    """Rows of estimates with intervals on one axis; returns the height used."""
    lo, hi = panel.dom
    sx = (lambda v: x + (_clip(v, lo, hi) - lo) / (hi - lo) * w) if hi > lo else (lambda v: x)
    top = y + (14 if panel.title else 2)
    if panel.title:
        svg.text(x + w / 2, y + 10, panel.title, 9, "middle", font_weight="bold")
    body_h = max(len(panel.rows), 1) * ROW_H
    if panel.band is not None:
        b0, b1 = panel.band.failing_span(lo, hi)
        if b1 > b0 and lo <= panel.band.value <= hi:
            svg.rect(sx(b0), top, sx(b1) - sx(b0), body_h, BAND_FILL)  # named "fails" in the legend
    for t in nice_ticks(lo, hi, 4):
        svg.line(sx(t), top, sx(t), top + body_h, GRID, 0.6)
        # end labels lean inwards so neighbouring panels' axes never print over each other
        anchor = "start" if sx(t) - x < 8 else "end" if x + w - sx(t) < 8 else "middle"
        svg.text(sx(t), top + body_h + 9, fmt.num(t, 2), 7, anchor, fill=MUTED)
    if panel.band is not None and lo <= panel.band.value <= hi:
        svg.line(sx(panel.band.value), top - 2, sx(panel.band.value), top + body_h, BAND_TEXT, 1.2)
        svg.text(sx(panel.band.value), top + body_h + 17, gettext("limit %(value)s") % {"value": fmt.num(panel.band.value)}, 7, "middle", fill=BAND_TEXT)
    if panel.overall is not None and lo <= panel.overall <= hi:
        svg.line(sx(panel.overall), top, sx(panel.overall), top + body_h, INK, 0.9, stroke_dasharray="3 2")
    for i, row in enumerate(panel.rows):
        cy = top + i * ROW_H + ROW_H / 2
        if labels:
            svg.text(x - 6, cy + 3, _short(row.label, 16 if x < 100 else 24), 8, "end")
        _draw_points(svg, row, cy, sx, x, panel.series)
    svg.line(x, top + body_h, x + w, top + body_h, MUTED, 0.8)
    return (top - y) + body_h + 20


def _draw_points(svg: Svg, row: Row, cy: float, sx, x0: float, series: int) -> None:
    offsets = [((k - (series - 1) / 2) * 5.0) for k in range(series)]
    for k, p in enumerate(row.points):
        yy = cy + (offsets[k] if k < len(offsets) else 0)
        colour, shape = PALETTE[k % len(PALETTE)], SHAPES[k % len(SHAPES)]
        if p.value is None:
            svg.text(x0 + 3, yy + 3, _short(p.note or gettext("undefined"), 60), 7, fill=MUTED, font_style="italic")
            continue
        if p.lo is not None and p.hi is not None:
            svg.line(sx(p.lo), yy, sx(p.hi), yy, colour, 1.4)
            for end in (p.lo, p.hi):
                svg.line(sx(end), yy - 3, sx(end), yy + 3, colour, 1.2)
        svg.marker(shape, sx(p.value), yy, 3.0, colour)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def legend(svg: Svg, x: float, y: float, names: Sequence[str], extra: Sequence[tuple[str, str]] = ()) -> None:
    """Series legend (marker shape + colour + name) and line-style entries."""
    cx = x
    for k, name in enumerate(names):
        svg.marker(SHAPES[k % len(SHAPES)], cx + 4, y - 3, 3.0, PALETTE[k % len(PALETTE)])
        svg.text(cx + 11, y, _short(name, 28), 8)
        cx += 18 + 5.2 * min(len(name), 28)
    for kind, name in extra:
        if kind == "overall":
            svg.line(cx, y - 3, cx + 14, y - 3, INK, 0.9, stroke_dasharray="3 2")
        else:
            svg.rect(cx, y - 8, 14, 9, BAND_FILL)
        svg.text(cx + 18, y, name, 8)
        cx += 24 + 5.2 * len(name)


FOREST_W, FOREST_LABEL_W = 380.0, 92.0


def forest(ident: str, title: str, desc: str, groups: Panel, statistic: Panel | None,
           series_names: Sequence[str] = ()) -> Markup:
    """A gate's forest plot: group estimates (top) and the gated statistic (bottom)."""
    w = FOREST_W - FOREST_LABEL_W - 14
    height = 30 + _panel_h(groups) + (_panel_h(statistic) + 6 if statistic else 0)
    svg = Svg(FOREST_W, height, ident, title, desc)
    extra = [("overall", gettext("overall"))] if groups.overall is not None else []
    if (groups.band or (statistic and statistic.band)) is not None:
        extra.append(("band", gettext("fails")))
    legend(svg, 4, 11, series_names if len(series_names) > 1 else (), extra)
    y = 18 + draw_panel(svg, FOREST_LABEL_W, 18, w, groups)
    if statistic is not None:
        draw_panel(svg, FOREST_LABEL_W, y + 6, w, statistic)
    return svg.render()


def _panel_h(panel: Panel) -> float:
    return (14 if panel.title else 2) + max(len(panel.rows), 1) * ROW_H + 20


def small_multiples(ident: str, title: str, desc: str, panels: list[Panel], per_row: int = 3,
                    series_names: Sequence[str] = ()) -> Markup:
    """Panels side by side sharing row labels (groups): one panel per metric."""
    per_row = max(1, min(per_row, len(panels)))
    gap = 10.0
    w = (WIDTH - LABEL_W - 8 - gap * (per_row - 1)) / per_row
    chunks = [panels[i : i + per_row] for i in range(0, len(panels), per_row)]
    legend_h = 16.0
    height = legend_h + sum(max(_panel_h(p) for p in chunk) + 6 for chunk in chunks)
    svg = Svg(WIDTH, height, ident, title, desc)
    extra = [("overall", gettext("overall (all groups)"))] if any(p.overall is not None for p in panels) else []
    legend(svg, LABEL_W, 11, series_names if len(series_names) > 1 else (), extra)
    y = legend_h
    for chunk in chunks:
        for k, panel in enumerate(chunk):
            draw_panel(svg, LABEL_W + k * (w + gap), y, w, panel, labels=(k == 0))
        y += max(_panel_h(p) for p in chunk) + 6
    return svg.render()


@dataclass(frozen=True)
class CalibrationCurve:
    label: str
    bins: tuple[tuple[float, float, int, float], ...]  # (mean score, observed rate, n, bin centre)


def calibration(ident: str, title: str, desc: str, curves: list[CalibrationCurve], per_row: int = 4) -> Markup:
    """Reliability diagrams, one small panel per group, with the number of images per bin."""
    per_row = max(1, min(per_row, len(curves)))
    size, gap, pad_l, pad_b = 118.0, 34.0, 26.0, 38.0
    cell_w = size + pad_l + gap
    rows = (len(curves) + per_row - 1) // per_row
    cell_h = size + pad_b + 22
    svg = Svg(max(WIDTH, per_row * cell_w), rows * cell_h + 4, ident, title, desc)
    for i, curve in enumerate(curves):
        x0 = (i % per_row) * cell_w + pad_l + 4
        y0 = (i // per_row) * cell_h + 16
        _calibration_panel(svg, x0, y0, size, curve)
    return svg.render()


def _calibration_panel(svg: Svg, x0: float, y0: float, size: float, curve: CalibrationCurve) -> None:
    total = sum(b[2] for b in curve.bins)
    svg.text(x0 + size / 2, y0 - 5, f"{_short(curve.label, 22)} (n={fmt.count(total)})", 8, "middle", font_weight="bold")
    svg.rect(x0, y0, size, size, "none", stroke=GRID)
    for t in (0.0, 0.5, 1.0):
        svg.text(x0 + t * size, y0 + size + 9, fmt.num(t, 1), 7, "middle", fill=MUTED)
        svg.text(x0 - 3, y0 + size - t * size + 3, fmt.num(t, 1), 7, "end", fill=MUTED)
    svg.line(x0, y0 + size, x0 + size, y0, GRID, 1, stroke_dasharray="3 2")
    pts = [(x0 + s * size, y0 + size - o * size, n) for s, o, n, _ in curve.bins if n > 0]
    if len(pts) > 1:
        svg.el("polyline", points=" ".join(f"{px:.2f},{py:.2f}" for px, py, _ in pts), fill="none",
               stroke=PALETTE[0], stroke_width=1.3)
    for px, py, _ in pts:
        svg.marker("circle", px, py, 2.4, PALETTE[0])
    for k, (_, _, n, centre) in enumerate(b for b in curve.bins if b[2] > 0):
        # alternate rows: neighbouring bins' counts never print over each other
        svg.text(x0 + centre * size, y0 + size + 16 + 6 * (k % 2), fmt.count(n), 5.5, "middle", fill=MUTED)
    svg.text(x0 + size / 2, y0 + size + 30, gettext("mean score · images per bin"), 6.5, "middle", fill=MUTED)


@dataclass(frozen=True)
class ShareSeries:
    name: str
    shares: dict[str, float | None]


COMPOSITION_W, COMPOSITION_LABEL_W = 360.0, 70.0


def composition(ident: str, title: str, desc: str, groups: list[str], series: list[ShareSeries]) -> Markup:
    """Grouped horizontal bars: each group's share of train / validation / test vs intended."""
    bar_h, inner = 6.0, 1.2
    band_h = len(series) * (bar_h + inner) + 7
    w = COMPOSITION_W - COMPOSITION_LABEL_W - 42
    rows_legend = 2 if len(series) > 3 else 1
    top = 10.0 + 12 * rows_legend
    height = top + len(groups) * band_h + 16
    svg = Svg(COMPOSITION_W, height, ident, title, desc)
    hi = max([v for s in series for v in s.shares.values() if v is not None] + [0.1])
    hi = min(1.0, nice_ticks(0, hi * 1.05, 4)[-1] if hi < 1 else 1.0)
    if hi < max([v for s in series for v in s.shares.values() if v is not None] + [0.0]):
        hi = 1.0
    fills = ("#9ecae1", "#4292c6", "#08519c", "#ffffff")
    x = COMPOSITION_LABEL_W
    cx, ly = 4.0, 10.0
    for k, s in enumerate(series):
        fill = fills[k] if k < 3 else fills[3]
        if k == 3:
            cx, ly = 4.0, ly + 12
        svg.rect(cx, ly - 7, 11, 7, fill, stroke=INK if k >= 3 else fill, stroke_dasharray="2 1" if k >= 3 else None)
        svg.text(cx + 14, ly, _short(s.name, 44), 7.5)
        cx += 22 + 4.6 * min(len(s.name), 44)
    for t in nice_ticks(0, hi, 4):
        svg.line(x + t / hi * w, top, x + t / hi * w, top + len(groups) * band_h, GRID, 0.6)
        svg.text(x + t / hi * w, top + len(groups) * band_h + 10, fmt.pct(t, 0), 7, "middle", fill=MUTED)
    for i, g in enumerate(groups):
        y = top + i * band_h + 4
        svg.text(x - 5, y + band_h / 2, _short(g, 14), 7.5, "end")
        for k, s in enumerate(series):
            v = s.shares.get(g)
            yy = y + k * (bar_h + inner)
            if v is None:
                svg.text(x + 2, yy + bar_h - 1, gettext("not stated"), 6.5, fill=MUTED, font_style="italic")
                continue
            fill = fills[k] if k < 3 else fills[3]
            svg.rect(x, yy, v / hi * w, bar_h, fill, stroke=INK if k >= 3 else "none",
                     stroke_width=0.7 if k >= 3 else None, stroke_dasharray="2 1" if k >= 3 else None)
            svg.text(x + v / hi * w + 3, yy + bar_h - 0.5, fmt.pct(v), 6.5, fill=INK)
    svg.line(x, top, x, top + len(groups) * band_h, MUTED, 0.8)
    return svg.render()


def panel_domain(points: Sequence[Point], extra: Sequence[float | None] = (), clamp01: bool = True) -> tuple[float, float]:
    vals: list[float | None] = list(extra)
    for p in points:
        vals += [p.value, p.lo, p.hi]
    return domain(vals, clamp01=clamp01)
