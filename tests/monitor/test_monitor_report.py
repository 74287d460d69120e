"""The monitoring report: golden HTML, and the PDF's first page shows the status table."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from fairgov.monitor.api import run_monitor
from fairgov.monitor.report import render_html
from tests.monitor.regen_golden import HERE, golden_html


def test_golden_html() -> None:
    expected = (HERE / "golden" / "monitoring.html").read_text(encoding="utf-8")
    assert golden_html() == expected, "report changed: review and run tests/monitor/regen_golden.py"


def test_html_charts_mark_limit_pending_and_alerts(example: Path) -> None:
    html = render_html(run_monitor(example, reports=False).doc)
    # 6 triggers + 1 composition
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 7
    chart = html.split('id="chart-tpr-gap-site"', 1)[1].split("</svg>", 1)[0]
    # the two label-pending months at the end: one shaded band, one word
    assert chart.count(">pending</text>") == 1 and "limit 0.1" in chart
    # two alert months
    assert chart.count('stroke="#B42318" stroke-width') == 2 and chart.count('fill="#B42318"') == 2
    assert "2026-09: breach" in chart and "2026-11: pending" in chart


@pytest.mark.slow
def test_pdf_page_one_shows_status_and_action(example: Path) -> None:
    outcome = run_monitor(example)
    data = (outcome.out_dir / "monitoring.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0].extract_text()
        assert len(pdf.pages) >= 3
    assert "ALERT: 1 blocking trigger(s): tpr-gap-site" in first
    assert "Trigger status and the action the protocol prescribes" in first
    for tid in (
        "tpr-gap-site",
        "tpr-gap-age",
        "sensitivity",
        "age-mix",
        "score-shift-site",
        "override-rate",
    ):
        assert tid in first
    assert "AI board review" in first and "2026-09-01" in first
    (spec,) = PdfReader(
        io.BytesIO(data)
    ).attachments.items()  # monitoring.json, the very same bytes
    assert spec[1] == [(outcome.out_dir / "monitoring.json").read_bytes()]
