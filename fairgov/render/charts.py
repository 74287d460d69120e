"""Inline SVG charts: forest plots, per-group metrics, reliability curves, composition bars.

Every chart draws words next to colours (legends, labels, "fails" bands), so it survives
grey-scale printing; numbers themselves are in the table printed beside each chart.

No text is ever cut short or printed over other text: labels, notes, titles and legends are
measured (`svg.text_width`, DejaVu Sans metrics) and wrapped onto as many lines as they need;
rows, headers and legends grow to hold them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from fairgov.gates.compare import Limit
from fairgov.render import fmt
from fairgov.render.i18n import gettext
from fairgov.render.svg import (
    GRID,
    INK,
    MUTED,
    PALETTE,
    SHAPES,
    Svg,
    domain,
    line_height,
    nice_ticks,
    text_width,
    wrap,
)

WIDTH = 640.0
LABEL_W = 132.0
ROW_H = 17.0
BAND_FILL = "#f6d5d1"
BAND_TEXT = "#8a1c12"
LABEL_SIZE, NOTE_SIZE, TITLE_SIZE, LEGEND_SIZE = 8.0, 7.0, 9.0, 8.0
#: the vertical distance the points of one row's series take (5 px apart)
SERIES_GAP = 5.0


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


@dataclass(frozen=True)
class RowLayout:
    height: float
    label: tuple[str, ...]
    notes: tuple[
        tuple[int, tuple[str, ...]], ...
    ]  # (series index, wrapped lines) of undefined points


def _clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def _baseline(size: float) -> float:
    """Distance from a line box's top to its baseline."""
    return size * 0.93


def row_layout(
    row: Row, label_w: float, note_w: float, series_names: Sequence[str] = ()
) -> RowLayout:
    """The lines a row's label and undefined-point notes need, and the row height that holds
    them."""
    label = tuple(wrap(row.label, label_w, LABEL_SIZE))
    notes = []
    for k, p in enumerate(row.points):
        if p.value is None:
            note = p.note or gettext("undefined")
            if len(series_names) > 1 and k < len(series_names):
                note = f"{series_names[k]}: {note}"
            notes.append((k, tuple(wrap(note, note_w, NOTE_SIZE))))
    defined = any(p.value is not None for p in row.points)
    body = (len(row.points) * SERIES_GAP + 4 if defined else 0) + sum(
        len(n) for _, n in notes
    ) * line_height(NOTE_SIZE)
    return RowLayout(
        max(ROW_H, len(label) * line_height(LABEL_SIZE) + 6, body + 6), label, tuple(notes)
    )


def _merge(layouts: Sequence[Sequence[RowLayout]]) -> list[float]:
    """Row heights shared by panels drawn side by side (their rows sit on the same lines)."""
    n = max((len(lay) for lay in layouts), default=0)
    return [
        max((lay[i].height for lay in layouts if i < len(lay)), default=ROW_H) for i in range(n)
    ]


def _title_lines(panel: Panel, w: float) -> list[str]:
    return wrap(panel.title, w, TITLE_SIZE, bold=True) if panel.title else []


def _title_h(lines: Sequence[str]) -> float:
    return len(lines) * line_height(TITLE_SIZE) + 4 if lines else 2.0


def draw_panel(
    svg: Svg,
    x: float,
    y: float,
    w: float,
    panel: Panel,
    labels: bool = True,
    *,
    label_w: float = LABEL_W - 10,
    heights: Sequence[float] | None = None,
    title_h: float | None = None,
    series_names: Sequence[str] = (),
) -> float:
    """Rows of estimates with intervals on one axis; returns the height used. `label_w` is the
    width the row labels may take left of `x`; `heights` and `title_h` align panels drawn side
    by side."""
    lo, hi = panel.dom
    sx = (lambda v: x + (_clip(v, lo, hi) - lo) / (hi - lo) * w) if hi > lo else (lambda v: x)
    layouts = [row_layout(r, label_w, w - 6, series_names) for r in panel.rows]
    heights = list(heights) if heights is not None else _merge([layouts])
    tlines = _title_lines(panel, w)
    top = y + (title_h if title_h is not None else _title_h(tlines))
    svg.lines(
        x + w / 2, y + _baseline(TITLE_SIZE), tlines, TITLE_SIZE, "middle", font_weight="bold"
    )
    body_h = sum(heights[: len(panel.rows)]) if panel.rows else ROW_H
    if panel.band is not None:
        b0, b1 = panel.band.failing_span(lo, hi)
        if b1 > b0 and lo <= panel.band.value <= hi:
            svg.rect(sx(b0), top, sx(b1) - sx(b0), body_h, BAND_FILL)  # named "fails" in the legend
    ticks = nice_ticks(lo, hi, 4)
    for t in ticks:
        svg.line(sx(t), top, sx(t), top + body_h, GRID, 0.6)
        # end labels lean inwards so neighbouring panels' axes never print over each other
        anchor = "start" if sx(t) - x < 8 else "end" if x + w - sx(t) < 8 else "middle"
        svg.text(sx(t), top + body_h + 9, fmt.num(t, 2), 7, anchor, fill=MUTED)
    if panel.band is not None and lo <= panel.band.value <= hi:
        svg.line(sx(panel.band.value), top - 2, sx(panel.band.value), top + body_h, BAND_TEXT, 1.2)
        text = gettext("limit %(value)s") % {"value": fmt.num(panel.band.value)}
        half = text_width(text, 7) / 2  # kept inside the panel
        svg.text(
            _clip(sx(panel.band.value), x + half, x + w - half),
            top + body_h + 17,
            text,
            7,
            "middle",
            fill=BAND_TEXT,
        )
    if panel.overall is not None and lo <= panel.overall <= hi:
        svg.line(
            sx(panel.overall),
            top,
            sx(panel.overall),
            top + body_h,
            INK,
            0.9,
            stroke_dasharray="3 2",
        )
    ry = top
    for row, lay, h in zip(panel.rows, layouts, heights, strict=False):
        if labels:
            lh = len(lay.label) * line_height(LABEL_SIZE)
            svg.lines(
                x - 6, ry + (h - lh) / 2 + _baseline(LABEL_SIZE), lay.label, LABEL_SIZE, "end"
            )
        _draw_points(svg, row, lay, ry, h, sx, x, panel.series)
        ry += h
    svg.line(x, top + body_h, x + w, top + body_h, MUTED, 0.8)
    return (top - y) + body_h + 20


def _draw_points(
    svg: Svg, row: Row, lay: RowLayout, ry: float, h: float, sx, x0: float, series: int
) -> None:
    defined = [k for k, p in enumerate(row.points) if p.value is not None]
    band = len(row.points) * SERIES_GAP + 4 if defined else 0.0
    note_h = sum(len(n) for _, n in lay.notes) * line_height(NOTE_SIZE)
    block_top = ry + (h - band - note_h) / 2
    cy = (
        ry + h / 2 if not lay.notes else block_top + band / 2
    )  # no notes: the series centred on the row
    offsets = [((k - (series - 1) / 2) * SERIES_GAP) for k in range(max(series, len(row.points)))]
    for k in defined:
        p = row.points[k]
        yy = cy + offsets[k]
        colour, shape = PALETTE[k % len(PALETTE)], SHAPES[k % len(SHAPES)]
        if p.lo is not None and p.hi is not None:
            svg.line(sx(p.lo), yy, sx(p.hi), yy, colour, 1.4)
            for end in (p.lo, p.hi):
                svg.line(sx(end), yy - 3, sx(end), yy + 3, colour, 1.2)
        svg.marker(shape, sx(p.value), yy, 3.0, colour)
    ny = block_top + band
    for _, lines in lay.notes:
        svg.lines(
            x0 + 3, ny + _baseline(NOTE_SIZE), lines, NOTE_SIZE, fill=MUTED, font_style="italic"
        )
        ny += len(lines) * line_height(NOTE_SIZE)


@dataclass(frozen=True)
class _Item:
    # "series" (marker), "overall" (dashed line), "band" (filled box), or a fill colour
    # "swatch:<fill>:<dashed>"
    kind: str
    index: int
    lines: tuple[str, ...]
    width: float


def _legend_items(
    names: Sequence[str], extra: Sequence[tuple[str, str]], width: float
) -> list[_Item]:
    items = []
    for k, name in enumerate(names):
        lines = tuple(wrap(name, width - 11, LEGEND_SIZE))
        items.append(_Item("series", k, lines, 11 + max(text_width(t, LEGEND_SIZE) for t in lines)))
    for kind, name in extra:
        lines = tuple(wrap(name, width - 18, LEGEND_SIZE))
        items.append(_Item(kind, 0, lines, 18 + max(text_width(t, LEGEND_SIZE) for t in lines)))
    return items


def _flow(
    items: Sequence[_Item], x: float, width: float, size: float
) -> tuple[list[tuple[float, float]], float]:
    """Left-to-right placement of legend items, onto a new line when one does not fit:
    (x, line top) per item, and the total height."""
    places, cx, top, line_h = [], x, 0.0, 0.0
    for it in items:
        h = len(it.lines) * line_height(size)
        if cx > x and cx + it.width > x + width:
            cx, top, line_h = x, top + line_h + 2, 0.0
        places.append((cx, top))
        cx += it.width + 10
        line_h = max(line_h, h)
    return places, (top + line_h if items else 0.0)


def legend_height(names: Sequence[str], extra: Sequence[tuple[str, str]], width: float) -> float:
    return _flow(_legend_items(names, extra, width), 0, width, LEGEND_SIZE)[1]


def legend(
    svg: Svg,
    x: float,
    y: float,
    names: Sequence[str],
    extra: Sequence[tuple[str, str]] = (),
    width: float = WIDTH,
) -> float:
    """Series legend (marker shape + colour + name) and line-style entries, wrapped within
    `width` from `x`, its first line's top at `y`; returns the height used."""
    items = _legend_items(names, extra, width)
    places, height = _flow(items, x, width, LEGEND_SIZE)
    for it, (cx, top) in zip(items, places, strict=True):
        base = y + top + _baseline(LEGEND_SIZE)
        if it.kind == "series":
            svg.marker(
                SHAPES[it.index % len(SHAPES)],
                cx + 4,
                base - 3,
                3.0,
                PALETTE[it.index % len(PALETTE)],
            )
            svg.lines(cx + 11, base, it.lines, LEGEND_SIZE)
            continue
        if it.kind == "overall":
            svg.line(cx, base - 3, cx + 14, base - 3, INK, 0.9, stroke_dasharray="3 2")
        else:
            svg.rect(cx, base - 8, 14, 9, BAND_FILL)
        svg.lines(cx + 18, base, it.lines, LEGEND_SIZE)
    return height


FOREST_W, FOREST_LABEL_W, FOREST_LABEL_MAX = 380.0, 92.0, 150.0


def _label_column(labels: Sequence[str], least: float, most: float) -> float:
    """A label column as wide as its longest label needs, between `least` and `most` (longer
    labels wrap)."""
    natural = max((text_width(t, LABEL_SIZE) for t in labels), default=0.0) + 10
    return min(max(least, natural), most)


def forest(
    ident: str,
    title: str,
    desc: str,
    groups: Panel,
    statistic: Panel | None,
    series_names: Sequence[str] = (),
) -> Markup:
    """A gate's forest plot: group estimates (top) and the gated statistic (bottom)."""
    panels = [groups] + ([statistic] if statistic else [])
    label_x = _label_column(
        [r.label for p in panels for r in p.rows], FOREST_LABEL_W, FOREST_LABEL_MAX
    )
    w = FOREST_W - label_x - 14
    names = series_names if len(series_names) > 1 else ()
    extra = [("overall", gettext("overall"))] if groups.overall is not None else []
    if (groups.band or (statistic and statistic.band)) is not None:
        extra.append(("band", gettext("fails")))
    leg_h = legend_height(names, extra, FOREST_W - 8)
    heights = [_panel_h(p, label_x - 10, w, names) for p in panels]
    height = 10 + leg_h + sum(heights) + 6 * (len(panels) - 1)
    svg = Svg(FOREST_W, height, ident, title, desc)
    legend(svg, 4, 3, names, extra, FOREST_W - 8)
    y = 10 + leg_h
    for p, h in zip(panels, heights, strict=True):
        draw_panel(svg, label_x, y, w, p, label_w=label_x - 10, series_names=names)
        y += h + 6
    return svg.render()


def _panel_h(
    panel: Panel,
    label_w: float = LABEL_W - 10,
    w: float = 100.0,
    names: Sequence[str] = (),
    heights: Sequence[float] | None = None,
    title_h: float | None = None,
) -> float:
    if heights is None:
        heights = _merge([[row_layout(r, label_w, w - 6, names) for r in panel.rows]])
    th = title_h if title_h is not None else _title_h(_title_lines(panel, w))
    return th + (sum(heights[: len(panel.rows)]) if panel.rows else ROW_H) + 20


def small_multiples(
    ident: str,
    title: str,
    desc: str,
    panels: list[Panel],
    per_row: int = 3,
    series_names: Sequence[str] = (),
) -> Markup:
    """Panels side by side sharing row labels (groups): one panel per metric."""
    per_row = max(1, min(per_row, len(panels)))
    gap = 10.0
    w = (WIDTH - LABEL_W - 8 - gap * (per_row - 1)) / per_row
    chunks = [panels[i : i + per_row] for i in range(0, len(panels), per_row)]
    names = series_names if len(series_names) > 1 else ()
    extra = (
        [("overall", gettext("overall (all groups)"))]
        if any(p.overall is not None for p in panels)
        else []
    )
    legend_h = legend_height(names, extra, WIDTH - LABEL_W - 4) + 6 if (names or extra) else 6.0
    plans = []
    for chunk in chunks:
        heights = _merge(
            [[row_layout(r, LABEL_W - 10, w - 6, names) for r in p.rows] for p in chunk]
        )
        title_h = max(_title_h(_title_lines(p, w)) for p in chunk)
        plans.append(
            (
                chunk,
                heights,
                title_h,
                max(_panel_h(p, heights=heights, title_h=title_h) for p in chunk),
            )
        )
    height = legend_h + sum(h + 6 for *_, h in plans)
    svg = Svg(WIDTH, height, ident, title, desc)
    legend(svg, LABEL_W, 3, names, extra, WIDTH - LABEL_W - 4)
    y = legend_h
    for chunk, heights, title_h, h in plans:
        for k, panel in enumerate(chunk):
            draw_panel(
                svg,
                LABEL_W + k * (w + gap),
                y,
                w,
                panel,
                labels=(k == 0),
                heights=heights,
                title_h=title_h,
                series_names=names,
            )
        y += h + 6
    return svg.render()


@dataclass(frozen=True)
class CalibrationCurve:
    label: str
    bins: tuple[tuple[float, float, int, float], ...]  # (mean score, observed rate, n, bin centre)


def calibration(
    ident: str, title: str, desc: str, curves: list[CalibrationCurve], per_row: int = 4
) -> Markup:
    """Reliability diagrams, one small panel per group, with the number of images per bin."""
    per_row = max(1, min(per_row, len(curves)))
    size, gap, pad_l, pad_b = 118.0, 34.0, 26.0, 38.0
    cell_w = size + pad_l + gap
    rows = (len(curves) + per_row - 1) // per_row
    heads = [wrap(_calibration_title(c), cell_w - 8, LABEL_SIZE, bold=True) for c in curves]
    head_h = max(len(h) for h in heads) * line_height(LABEL_SIZE) + 6
    cell_h = size + pad_b + head_h + 6
    svg = Svg(max(WIDTH, per_row * cell_w), rows * cell_h + 4, ident, title, desc)
    for i, (curve, head) in enumerate(zip(curves, heads, strict=True)):
        x0 = (i % per_row) * cell_w + pad_l + 4
        y0 = (i // per_row) * cell_h + head_h + 6
        top = (
            y0 - 4 - len(head) * line_height(LABEL_SIZE)
        )  # the title's lines end just above the panel
        svg.lines(
            x0 + size / 2,
            top + _baseline(LABEL_SIZE),
            head,
            LABEL_SIZE,
            "middle",
            font_weight="bold",
        )
        _calibration_panel(svg, x0, y0, size, curve)
    return svg.render()


def _calibration_title(curve: CalibrationCurve) -> str:
    return f"{curve.label} (n={fmt.count(sum(b[2] for b in curve.bins))})"


def _calibration_panel(
    svg: Svg, x0: float, y0: float, size: float, curve: CalibrationCurve
) -> None:
    svg.rect(x0, y0, size, size, "none", stroke=GRID)
    for t in (0.0, 0.5, 1.0):
        # the axis ends lean inwards: the x axis's 0.0 never prints over the y axis's
        svg.text(
            x0 + t * size,
            y0 + size + 9,
            fmt.num(t, 1),
            7,
            {0.0: "start", 1.0: "end"}.get(t, "middle"),
            fill=MUTED,
        )
        svg.text(x0 - 3, y0 + size - t * size + 3, fmt.num(t, 1), 7, "end", fill=MUTED)
    svg.line(x0, y0 + size, x0 + size, y0, GRID, 1, stroke_dasharray="3 2")
    pts = [(x0 + s * size, y0 + size - o * size, n) for s, o, n, _ in curve.bins if n > 0]
    if len(pts) > 1:
        svg.el(
            "polyline",
            points=" ".join(f"{px:.2f},{py:.2f}" for px, py, _ in pts),
            fill="none",
            stroke=PALETTE[0],
            stroke_width=1.3,
        )
    for px, py, _ in pts:
        svg.marker("circle", px, py, 2.4, PALETTE[0])
    for k, (_, _, n, centre) in enumerate(b for b in curve.bins if b[2] > 0):
        # alternate rows: neighbouring bins' counts never print over each other
        svg.text(
            x0 + centre * size,
            y0 + size + 16 + 6 * (k % 2),
            fmt.count(n),
            5.5,
            "middle",
            fill=MUTED,
        )
    svg.text(
        x0 + size / 2,
        y0 + size + 30,
        gettext("mean score · images per bin"),
        6.5,
        "middle",
        fill=MUTED,
    )


@dataclass(frozen=True)
class ShareSeries:
    name: str
    shares: dict[str, float | None]


COMPOSITION_W, COMPOSITION_LABEL_W, COMPOSITION_LABEL_MAX = 360.0, 70.0, 130.0
_FILLS = ("#9ecae1", "#4292c6", "#08519c", "#ffffff")
_COMP_SIZE = 7.5


def composition(
    ident: str, title: str, desc: str, groups: list[str], series: list[ShareSeries]
) -> Markup:
    """Grouped horizontal bars: each group's share of train / validation / test vs intended."""
    bar_h, inner = 6.0, 1.2
    bars_h = len(series) * (bar_h + inner) + 7
    x = min(
        max(COMPOSITION_LABEL_W, max((text_width(g, _COMP_SIZE) for g in groups), default=0) + 9),
        COMPOSITION_LABEL_MAX,
    )
    w = COMPOSITION_W - x - 42
    labels = [wrap(g, x - 9, _COMP_SIZE) for g in groups]
    bands = [max(bars_h, len(lines) * line_height(_COMP_SIZE) + 5) for lines in labels]
    items = [
        _Item(f"swatch{k}", k, tuple(wrap(s.name, COMPOSITION_W - 22, _COMP_SIZE)), 0.0)
        for k, s in enumerate(series)
    ]
    items = [
        _Item(it.kind, it.index, it.lines, 14 + max(text_width(t, _COMP_SIZE) for t in it.lines))
        for it in items
    ]
    places, leg_h = _flow(items, 4, COMPOSITION_W - 8, _COMP_SIZE)
    top = 6.0 + leg_h + 4
    body = sum(bands)
    svg = Svg(COMPOSITION_W, top + body + 16, ident, title, desc)
    vals = [v for s in series for v in s.shares.values() if v is not None]
    hi = max(vals + [0.1])
    hi = min(1.0, nice_ticks(0, hi * 1.05, 4)[-1] if hi < 1 else 1.0)
    if hi < max(vals + [0.0]):
        hi = 1.0
    for it, (cx, ltop) in zip(items, places, strict=True):
        k = it.index
        base = 3 + ltop + _baseline(_COMP_SIZE)
        svg.rect(
            cx,
            base - 7,
            11,
            7,
            _fill(k),
            stroke=INK if k >= 3 else _fill(k),
            stroke_dasharray="2 1" if k >= 3 else None,
        )
        svg.lines(cx + 14, base, it.lines, _COMP_SIZE)
    for t in nice_ticks(0, hi, 4):
        svg.line(x + t / hi * w, top, x + t / hi * w, top + body, GRID, 0.6)
        svg.text(x + t / hi * w, top + body + 10, fmt.pct(t, 0), 7, "middle", fill=MUTED)
    y = top
    for g, lines, band in zip(groups, labels, bands, strict=True):
        lh = len(lines) * line_height(_COMP_SIZE)
        svg.lines(x - 5, y + (band - lh) / 2 + _baseline(_COMP_SIZE), lines, _COMP_SIZE, "end")
        by = y + (band - bars_h) / 2 + 4
        for k, s in enumerate(series):
            v = s.shares.get(g)
            yy = by + k * (bar_h + inner)
            if v is None:
                svg.text(
                    x + 2,
                    yy + bar_h - 1,
                    gettext("not stated"),
                    6.5,
                    fill=MUTED,
                    font_style="italic",
                )
                continue
            svg.rect(
                x,
                yy,
                v / hi * w,
                bar_h,
                _fill(k),
                stroke=INK if k >= 3 else "none",
                stroke_width=0.7 if k >= 3 else None,
                stroke_dasharray="2 1" if k >= 3 else None,
            )
            svg.text(x + v / hi * w + 3, yy + bar_h - 0.5, fmt.pct(v), 6.5, fill=INK)
        y += band
    svg.line(x, top, x, top + body, MUTED, 0.8)
    return svg.render()


def _fill(k: int) -> str:
    return _FILLS[k] if k < 3 else _FILLS[3]


def panel_domain(
    points: Sequence[Point], extra: Sequence[float | None] = (), clamp01: bool = True
) -> tuple[float, float]:
    vals: list[float | None] = list(extra)
    for p in points:
        vals += [p.value, p.lo, p.hi]
    return domain(vals, clamp01=clamp01)
