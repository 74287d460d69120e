"""The PDF: page one text, page numbers, PDF/A-3b + tagging metadata, the results.json attachment,
byte-identical output."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from render_helpers import PDF_STEM

from fairgov.render import render_reports, results_bytes


def _reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


@pytest.mark.slow
def test_page_one_text_shows_verdict_gate_table_and_page_count(pdf_report):
    reader = _reader(pdf_report.pdf)
    n = len(reader.pages)
    first = " ".join(reader.pages[0].extract_text().split())
    assert "VERDICT: BLOCKED" in first
    assert "Status Gate Observed Limit Effect" in first
    for word in ("FAIL", "INCONCLUSIVE", "PASS", "threshold-matches", "auroc-gap-site"):
        assert word in first
    assert f"Page 1 of {n}" in first
    last = " ".join(reader.pages[-1].extract_text().split())
    assert f"Page {n} of {n}" in last
    # a short report names the dossier that holds each gate's evidence; no page numbers (the
    # dossier's rows give them: tests/render/test_render_layout.py)
    assert "of every gate are in dossier-st-example-central.pdf." in first
    assert not re.search(r"p\. \d+", first) and "Effect See" not in first


@pytest.mark.slow
def test_no_render_problems(pdf_report):
    assert pdf_report.problems == []


@pytest.mark.slow
def test_results_json_is_attached_byte_for_byte(pdf_report, built):
    results, _ = built
    reader = _reader(pdf_report.pdf)
    assert list(reader.attachments) == ["results.json"]
    (data,) = reader.attachments["results.json"]
    assert data == results_bytes(results)


@pytest.mark.slow
def test_pdf_a3b_tagged_ua1_metadata(pdf_report):
    reader = _reader(pdf_report.pdf)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp
    assert b'pdfaid:conformance="B"' in xmp or b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert b"<pdfuaid:part>1</pdfuaid:part>" in xmp and b"pdfaExtension:schemas" in xmp
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "/OutputIntents" in root and "/AF" in root
    filespec = root["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"
    info = reader.metadata
    assert info["/CreationDate"].startswith("D:20261128000000") and info["/ModDate"].startswith(
        "D:20261128000000"
    )
    assert info["/Title"].startswith("CXR-Triage-FM at St. Example General")


@pytest.mark.slow
def test_pdf_is_byte_identical_across_renders(pdf_report, built):
    results, cp = built
    (again,) = render_reports(results, cp, only={PDF_STEM})
    assert again.html == pdf_report.html
    assert again.pdf == pdf_report.pdf


def test_html_is_byte_identical_across_renders(html_reports, built):
    results, cp = built
    again = {r.stem: r.html for r in render_reports(results, cp, pdf=False)}
    assert again == {k: v.html for k, v in html_reports.items()}


def test_the_stylesheet_parsed_once_gives_the_same_pdf(tmp_path):
    """The report's <style> is handed to weasyprint as a stylesheet parsed once per process: the
    PDF is byte for byte the one rendered with the style left in the HTML; a stylesheet that
    could fetch (url(), @import) stays in the HTML, so its refusals are reported for each PDF."""
    from fairgov.render import pdf

    html = (
        '<!DOCTYPE html><html lang="en"><head><title>t</title><style>@page { size: A5; } '
        "p { color: #a00; font: 11pt 'DejaVu Sans'; } .x { font-weight: bold; }</style></head>"
        '<body><p>Styled <span class="x">text</span>.</p></body></html>'
    )
    kw = {
        "base_dir": tmp_path,
        "allowed_dirs": [tmp_path],
        "results_bytes": b"{}",
        "build_date": "2026-11-28",
    }
    body, css = pdf.split_stylesheet(html)
    assert css is not None and "<style>" not in body and ".x { font-weight: bold; }" in css
    cached, problems = pdf.html_to_pdf(html, **kw)
    inline = html.replace("<style>", '<style media="print">')  # same rules, not split off
    assert pdf.split_stylesheet(inline)[1] is None
    assert cached == pdf.html_to_pdf(inline, **kw)[0] and problems == []
    assert pdf.html_to_pdf(html, **kw)[0] == cached  # the second render reuses the parsed sheet
    fetching = html.replace("p {", "p { background: url(file:///etc/passwd); ")
    assert pdf.split_stylesheet(fetching)[1] is None
    for _ in range(2):  # reported every time, not only on the first parse
        assert any("/etc/passwd" in p for p in pdf.html_to_pdf(fetching, **kw)[1])


def test_a_render_leaves_the_garbage_collector_as_it_found_it(tmp_path, monkeypatch):
    """The objects that exist before a render are frozen out of the collector's passes while it
    runs (a render triggers full collections, which would otherwise walk the whole heap of a
    process that has run a build) and handed back afterwards, also when the render fails; what
    the render itself leaves behind is still collected."""
    import gc
    import weakref

    from fairgov.render import pdf

    kw = {
        "base_dir": tmp_path,
        "allowed_dirs": [tmp_path],
        "results_bytes": b"{}",
        "build_date": "2026-11-28",
    }
    html = "<html lang=\"en\"><head><title>t</title></head><body><p>x</p></body></html>"
    seen: list[int] = []
    made: list[weakref.ref] = []
    real = pdf.weasyprint.HTML

    class Watched(real):  # type: ignore[misc,valid-type]
        def render(self, *a, **k):
            seen.append(gc.get_freeze_count())
            doc = super().render(*a, **k)
            made.append(weakref.ref(doc))
            return doc

    monkeypatch.setattr(pdf.weasyprint, "HTML", Watched)
    assert gc.get_freeze_count() == 0
    data, problems = pdf.html_to_pdf(html, **kw)
    assert data.startswith(b"%PDF") and problems == []
    assert seen and seen[0] > 1000  # the heap that was there before was frozen during the render
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert made[0]() is None  # the render's own objects were not frozen: they are freed

    def broken(self, *a, **k):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(Watched, "render", broken)
    with pytest.raises(RuntimeError, match="layout failed"):
        pdf.html_to_pdf(html, **kw)
    assert gc.get_freeze_count() == 0
