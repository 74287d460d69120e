"""Chart labels never truncate and never overlap: long group names (the stress project's sites,
intersections of them with long sex labels) are wrapped onto as many lines as they need.

Checked twice: in the SVG (every <text> box, measured with the charts' font metrics, inside the
chart and clear of every other text box) and in the PDF weasyprint makes of the charts (pdfplumber's
glyph boxes: no two text runs print over each other, every label's full text is on the page).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pdfplumber
import pytest
from layout_audit import page_defects
from stress_project import SEX, SITES

from fairgov.gates.compare import Limit
from fairgov.render import charts
from fairgov.render.svg import text_width

NS = "{http://www.w3.org/2000/svg}"
INTERSECTIONS = [f"{SEX['F']}×{site}" for site in list(SITES.values())[:4]]
LONG_WORD = (
    "Pneumoultramicroscopicsilicovolcanoconiosis Ward"  # one word wider than any label column
)
NOTE = "undefined: 4 positives < minimum 10"


def _rows(labels, undefined_every=3, series=1):
    rows = []
    for i, label in enumerate(labels):
        pts = []
        for k in range(series):
            if (i + k) % undefined_every == 0:
                pts.append(charts.Point(None, note=NOTE))
            else:
                v = 0.55 + 0.04 * ((i * 7 + k) % 9)
                pts.append(charts.Point(v, v - 0.08, min(1.0, v + 0.07)))
        rows.append(charts.Row(label, tuple(pts)))
    return rows


def stress_charts() -> dict[str, str]:
    """Every chart kind with the longest labels the stress project has (and one longer word)."""
    labels = list(SITES.values()) + [LONG_WORD]
    band = Limit.of(">=", 0.8)
    top = charts.Panel(
        _rows(labels),
        (0.4, 1.0),
        title="True positive rate (sensitivity) by acquiring site",
        overall=0.74,
        band=band,
    )
    stat = charts.Panel(
        [charts.Row("worst group (the lowest site's estimate)", (charts.Point(0.62, 0.51, 0.71),))],
        (0.4, 1.0),
        title="Worst group's TPR (lower 95% bound)",
        band=band,
    )
    two = charts.Panel(
        _rows(INTERSECTIONS, series=2), (0.0, 1.0), title="TPR and FPR by sex × site", series=2
    )
    panels = [
        charts.Panel(
            _rows(INTERSECTIONS + labels[:3], undefined_every=4), (0.0, 1.0), title=t, overall=0.7
        )
        for t in (
            "Area under the ROC curve",
            "True positive rate (sensitivity)",
            "Expected calibration error",
            "Selection rate",
        )
    ]
    curves = [
        charts.CalibrationCurve(
            g, ((0.1, 0.12, 40, 0.05), (0.5, 0.45, 30, 0.45), (0.9, 0.8, 25, 0.95))
        )
        for g in INTERSECTIONS[:3] + labels[:2]
    ]
    shares = [
        charts.ShareSeries(name, {g: 0.05 + 0.02 * i for i, g in enumerate(labels)})
        for name in (
            "train",
            "validation",
            "test",
            "intended population of St. Example General Hospital, Northern Campus",
        )
    ]
    return {
        "forest": charts.forest("f1", "Forest plot", "desc", top, stat),
        "forest2": charts.forest(
            "f2", "Forest plot", "desc", two, None, ["True positive rate", "False positive rate"]
        ),
        "multiples": charts.small_multiples("m1", "Per group", "desc", panels, series_names=()),
        "calibration": charts.calibration("c1", "Reliability", "desc", curves),
        "composition": charts.composition("k1", "Composition", "desc", labels, shares),
    }


def _boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(text, x0, top, x1, bottom) of every <text>, from the charts' own font metrics."""
    out = []
    for el in ET.fromstring(svg).iter(f"{NS}text"):
        size, text = float(el.get("font-size")), el.text or ""
        w = text_width(text, size, el.get("font-weight") == "bold")
        x, y = float(el.get("x")), float(el.get("y"))
        x0 = {"start": x, "middle": x - w / 2, "end": x - w}[el.get("text-anchor", "start")]
        out.append((text, x0, y - 0.76 * size, x0 + w, y + 0.24 * size))
    return out


def _recoverable(label: str, lines: list[str]) -> bool:
    """`label` is the lines joined, whitespace aside, allowing a "-" added where a word was
    broken."""
    want = re.sub(r"\s+", "", label)
    got = re.sub(r"\s+", "", "".join(lines))
    pattern = "-?".join(re.escape(ch) for ch in want)
    return re.fullmatch(pattern, got) is not None


@pytest.mark.parametrize("name", ["forest", "forest2", "multiples", "calibration", "composition"])
def test_chart_text_boxes_stay_inside_the_chart_and_clear_of_each_other(name):
    svg = stress_charts()[name]
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    boxes = _boxes(svg)
    assert boxes and not any("…" in b[0] for b in boxes), "no label is cut short"
    for text, x0, top, x1, bottom in boxes:
        assert x0 >= -0.5 and x1 <= width + 0.5 and top >= -0.5 and bottom <= height + 0.5, (
            name,
            text,
        )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            w = min(a[3], b[3]) - max(a[1], b[1])
            h = min(a[4], b[4]) - max(a[2], b[2])
            assert not (w > 0.3 and h > 0.3), f"{name}: {a[0]!r} overlaps {b[0]!r}"


def test_every_label_is_whole_in_the_svg():
    texts = {
        name: [el.text or "" for el in ET.fromstring(svg).iter(f"{NS}text")]
        for name, svg in stress_charts().items()
    }
    for label in list(SITES.values()) + INTERSECTIONS + [LONG_WORD, NOTE]:
        # consecutive <text> lines of one chart give back the whole label
        assert any(
            _recoverable(label, ts[i : i + n])
            for ts in texts.values()
            for i in range(len(ts))
            for n in range(1, 8)
        ), label
    assert any(t.endswith("-") and not t.endswith("--") for t in texts["forest"]), (
        "the long word is broken with a hyphen"
    )


def test_wrapping_grows_rows_instead_of_shrinking_text():
    short = charts.Panel([charts.Row("a", (charts.Point(0.5, 0.4, 0.6),))], (0, 1))
    long = charts.Panel([charts.Row(SITES["s2"], (charts.Point(0.5, 0.4, 0.6),))], (0, 1))
    h_short = float(ET.fromstring(charts.forest("a", "t", "d", short, None)).get("height"))
    h_long = float(ET.fromstring(charts.forest("b", "t", "d", long, None)).get("height"))
    assert h_long > h_short
    sizes = {
        el.get("font-size")
        for el in ET.fromstring(charts.forest("b", "t", "d", long, None)).iter(f"{NS}text")
        if (el.text or "").strip() and (el.text or "") in SITES["s2"]
    }
    assert sizes == {"8"}


@pytest.fixture(scope="module")
def charts_pdf(tmp_path_factory) -> bytes:
    from fairgov.render.pdf import html_to_pdf

    folder = tmp_path_factory.mktemp("charts")
    body = "".join(
        f'<figure style="width:{w}">{svg}</figure>'
        for svg, w in zip(
            stress_charts().values(), ("56%", "56%", "100%", "100%", "60%"), strict=True
        )
    )
    html = (
        "<!doctype html><html lang='en'><head><meta "
        "charset='utf-8'><title>charts</title><style>@page{size:A4;margin:15mm} figure{margin:0 0 "
        "8pt;break-inside:avoid} svg{display:block;max-width:100%;height:auto}"
        f"</style></head><body>{body}</body></html>"
    )
    pdf, problems = html_to_pdf(
        html,
        base_dir=Path(folder),
        allowed_dirs=[Path(folder)],
        results_bytes=b"{}",
        build_date="2026-01-01",
    )
    assert problems == []
    return pdf


def _lines(page) -> list[str]:
    return [ln["text"] for ln in page.extract_text_lines(x_tolerance=1.5, y_tolerance=1.5)]


def test_the_pdf_of_the_charts_has_no_overlapping_text_and_every_label_whole(charts_pdf):
    with pdfplumber.open(io.BytesIO(charts_pdf)) as doc:
        defects = [d for n, page in enumerate(doc.pages, start=1) for d in page_defects(page, n)]
        assert defects == [], defects
        words = [
            w["text"]
            for page in doc.pages
            for w in page.extract_words(x_tolerance=1.5, keep_blank_chars=False)
        ]
        assert not any("…" in w for w in words)
        text = re.sub(r"\s+", "", "".join(words))
    for label in list(SITES.values()) + INTERSECTIONS + [NOTE]:
        # every word of every label is on the page, in order (wrapping only adds line breaks)
        assert all(word.replace(" ", "") in text for word in label.split()), label
    assert "Pneumoultramicroscopicsilicovolcanoconiosis" in text.replace("-", "")
