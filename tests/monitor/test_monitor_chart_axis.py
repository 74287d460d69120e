"""Monitoring charts stay legible over long histories: axis labels never overlap, and a run of
label-pending periods gets one band and one word, whatever the number of periods."""

from __future__ import annotations

import re

import pytest

from fairgov.monitor import chart
from fairgov.render.svg import text_width


def trigger(n: int, pending: int) -> dict:
    periods = []
    for i in range(n):
        year, month = 2025 + i // 12, i % 12 + 1
        p = {
            "period": f"{year}-{month:02d}-01",
            "status": "ok",
            "value": 0.05,
            "ci_low": 0.03,
            "ci_high": 0.07,
        }
        if i >= n - pending:
            p = {"period": p["period"], "status": "pending"}
        periods.append(p)
    return {"id": "tpr-gap-site", "type": "metric", "check": {"max": 0.1}, "periods": periods}


def axis_labels(svg: str) -> list[tuple[float, str]]:
    """(x, text) of the period labels under the axis (YYYY-MM texts)."""
    return [
        (float(x), text)
        for x, text in re.findall(r'<text x="([0-9.]+)"[^>]*>(\d{4}-\d{2})</text>', svg)
    ]


@pytest.mark.parametrize("n", [1, 6, 12, 24, 25, 36, 60])
def test_period_labels_never_overlap_and_the_latest_is_labelled(n: int) -> None:
    svg = str(chart.trigger_chart(trigger(n, 0)))
    labels = axis_labels(svg)
    assert labels, svg
    assert labels[-1][1] == f"{2025 + (n - 1) // 12}-{(n - 1) % 12 + 1:02d}"
    for (x0, t0), (x1, t1) in zip(labels, labels[1:], strict=False):
        assert x1 - x0 >= (text_width(t0, 7) + text_width(t1, 7)) / 2, (t0, t1)
    if n <= 12:  # a year of months fits: every month is labelled
        assert len(labels) == n
    else:
        assert len(labels) < n
    # every period is still a mark and an entry of the chart's description
    assert svg.count("<circle") == n
    assert all(f"{t}: ok" in svg for _, t in axis_labels(svg))


def test_labelled_counts_back_from_the_latest() -> None:
    labels = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]
    picked = chart.labelled(labels, slot=10.0)
    assert (
        picked[-1] == 12 and len(set(b - a for a, b in zip(picked, picked[1:], strict=False))) == 1
    )
    assert chart.labelled(labels, slot=1000.0) == list(range(13))


@pytest.mark.parametrize("n,pending", [(25, 2), (12, 2), (40, 5), (3, 3)])
def test_one_pending_word_per_run(n: int, pending: int) -> None:
    svg = str(chart.trigger_chart(trigger(n, pending)))
    assert svg.count(">pending</text>") == 1
    assert svg.count('fill="#eaeef2"') == 1


def test_runs() -> None:
    assert chart.runs([False, True, True, False, True]) == [(1, 2), (4, 4)]
    assert chart.runs([]) == [] and chart.runs([False]) == []
