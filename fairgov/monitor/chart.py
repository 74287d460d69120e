"""Time-series SVG of one trigger: estimate per period with its interval, the limit, breaching
and alerting periods, and label-pending periods shaded; and composition shares over time."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from fairgov.render.svg import (
    GRID,
    INK,
    MUTED,
    PALETTE,
    SHAPES,
    Svg,
    domain,
    nice_ticks,
    text_width,
)

W, H, LEFT, RIGHT, TOP, BOTTOM = 520.0, 170.0, 44.0, 12.0, 16.0, 34.0
ALERT, BREACH = "#B42318", "#D55E00"


def _limit(trigger: dict[str, Any]) -> float | None:
    c = trigger["check"]
    if trigger["type"] == "composition":
        return float(c["max_deviation"])
    if trigger["type"] == "score_shift":
        return float(c["max_distance"])
    value = c.get("max") if c.get("max") is not None else c.get("min")
    return None if value is None else float(value)


def labelled(labels: list[str], slot: float, size: float = 7, gap: float = 4) -> list[int]:
    """The periods whose axis label is drawn: every k-th, counted back from the latest (the
    period a reader looks for first), k the smallest stride at which centred labels `slot`
    apart leave `gap` between neighbours. Every period keeps its mark and its entry in the
    chart's text description; only the crowded axis text is thinned."""
    widest = max((text_width(label, size) for label in labels), default=0.0)
    stride = max(1, math.ceil((widest + gap) / slot)) if slot > 0 else 1
    last = len(labels) - 1
    return [i for i in range(len(labels)) if (last - i) % stride == 0]


def runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each maximal run of True in `flags`."""
    out: list[tuple[int, int]] = []
    for i, flag in enumerate(flags):
        if not flag:
            continue
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _axes(svg: Svg, n: int, lo: float, hi: float, labels: list[str]) -> tuple[Any, Any]:
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    sx = lambda i: LEFT + (i + 0.5) * pw / max(n, 1)  # noqa: E731
    sy = lambda v: TOP + ph - (v - lo) / (hi - lo or 1) * ph  # noqa: E731
    for t in nice_ticks(lo, hi, 4):
        svg.line(LEFT, sy(t), W - RIGHT, sy(t), GRID, 0.6)
        svg.text(LEFT - 4, sy(t) + 3, f"{t:g}", 7, "end", fill=MUTED)
    for i in labelled(labels, pw / max(n, 1)):
        svg.text(sx(i), H - BOTTOM + 11, labels[i], 7, "middle", fill=MUTED)
    svg.line(LEFT, TOP + ph, W - RIGHT, TOP + ph, MUTED, 0.8)
    return sx, sy


def trigger_chart(trigger: dict[str, Any]) -> Markup:
    periods = trigger["periods"]
    limit = _limit(trigger)
    values = [v for p in periods for v in (p.get("value"), p.get("ci_low"), p.get("ci_high"))] + [
        limit
    ]
    lo, hi = domain(values, clamp01=True)
    labels = [p["period"][:7] for p in periods]
    desc = "; ".join(
        f"{p['period'][:7]}: {p['status']}"
        + (f" {p['value']:.3f}" if p.get("value") is not None else "")
        for p in periods
    )
    svg = Svg(W, H, f"chart-{trigger['id']}", f"{trigger['id']} per period", desc)
    sx, sy = _axes(svg, len(periods), lo, hi, labels)
    step = (W - LEFT - RIGHT) / max(len(periods), 1)
    for first, last in runs([p["status"] == "pending" for p in periods]):
        # one shaded band and one word per run of pending periods: a word per period would
        # overlap its neighbours once periods are narrower than the word
        left, right = sx(first) - step / 2, sx(last) + step / 2
        svg.rect(left, TOP, right - left, H - TOP - BOTTOM, "#eaeef2")
        svg.text(
            (left + right) / 2, TOP + 9, "pending", 6.5, "middle", fill=MUTED, font_style="italic"
        )
    if limit is not None:
        svg.line(LEFT, sy(limit), W - RIGHT, sy(limit), INK, 1, stroke_dasharray="4 2")
        svg.text(W - RIGHT, sy(limit) - 3, f"limit {limit:g}", 7, "end")
    for i, p in enumerate(periods):
        if p.get("value") is None:
            if p["status"] == "inconclusive":
                svg.text(sx(i), TOP + 20, "?", 9, "middle", fill=MUTED)
            continue
        colour = ALERT if p.get("alert") else BREACH if p["status"] == "breach" else PALETTE[0]
        if p.get("ci_low") is not None and p.get("ci_high") is not None:
            svg.line(sx(i), sy(p["ci_low"]), sx(i), sy(p["ci_high"]), colour, 1.2)
        svg.marker("square" if p.get("alert") else "circle", sx(i), sy(p["value"]), 3.2, colour)
    svg.text(
        LEFT,
        H - 6,
        "● estimate with interval   ■ alert   dashed: limit   grey: labels pending",
        7,
        fill=MUTED,
    )
    return svg.render()


def composition_chart(trigger: dict[str, Any]) -> Markup:
    """Each group's share per period (solid) against its intended share (dashed)."""
    periods = trigger["periods"]
    groups = sorted({g["group"] for p in periods for g in p.get("groups", [])})
    shares = {
        g: [
            next((x.get("share") for x in p.get("groups", []) if x["group"] == g), None)
            for p in periods
        ]
        for g in groups
    }
    intended = {x["group"]: x.get("intended") for p in periods for x in p.get("groups", [])}
    lo, hi = domain([v for s in shares.values() for v in s] + list(intended.values()), clamp01=True)
    svg = Svg(
        W,
        H + 12,
        f"composition-{trigger['id']}",
        f"Composition of {trigger['check']['across']} per period",
        "; ".join(f"{g}: intended {intended[g]}" for g in groups),
    )
    sx, sy = _axes(svg, len(periods), lo, hi, [p["period"][:7] for p in periods])
    for k, g in enumerate(groups):
        colour = PALETTE[k % len(PALETTE)]
        if intended.get(g) is not None:
            svg.line(
                LEFT,
                sy(intended[g]),
                W - RIGHT,
                sy(intended[g]),
                colour,
                0.8,
                stroke_dasharray="3 2",
            )
        pts = [(sx(i), sy(v)) for i, v in enumerate(shares[g]) if v is not None]
        if pts:
            svg.el(
                "polyline",
                points=" ".join(f"{x:.2f},{y:.2f}" for x, y in pts),
                fill="none",
                stroke=colour,
                stroke_width=1.2,
            )
        for x, y in pts:
            svg.marker(SHAPES[k % len(SHAPES)], x, y, 2.4, colour)
        svg.marker(SHAPES[k % len(SHAPES)], LEFT + 6 + 70 * k, H + 4, 2.4, colour)
        svg.text(LEFT + 12 + 70 * k, H + 7, g, 7)
    return svg.render()
