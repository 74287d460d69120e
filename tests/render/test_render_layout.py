"""The rendered pages as a reviewer sees them: no glyph printed over another, no text off the
page, no table-header word split across lines, no heading, caption or label left at a page foot
while what it announces starts the next page, no near-empty page, a page one that is not blank
and that holds the verdict, the gates and the sign-off in every language; labels on deciding
numbers match results.json."""

from __future__ import annotations

import re
from typing import Any

import pdfplumber
import pytest
from layout_audit import (
    audit_pdf,
    header_words,
    page_defects,
    page_one_ink,
    pagination_defects,
)

from fairgov.render import Rendered, fmt, render_reports
from fairgov.render.i18n import use

REPORTS = (
    "datasheet-cxr-demo",
    "modelcard-cxr-triage-fm",
    "deployment-st-example-central",
    "dossier-st-example-central",
)


def assert_no_layout_defect(item: Rendered) -> None:
    """Every check a report's PDF must pass: no glyph over another, nothing off the page, no
    word split between letters, no stranded label or near-empty page, a page one that holds
    the sign-off (pagination_defects) and is not blank."""
    assert item.pdf is not None
    assert [str(d) for d in audit_pdf(item.pdf, item.html)] == []
    assert [str(d) for d in pagination_defects(item.pdf, item.html)] == []
    assert page_one_ink(item.pdf) > 0.05


@pytest.fixture(scope="session")
def all_pdfs(built: tuple[dict[str, Any], Any]) -> dict[str, Rendered]:
    results, cp = built
    return {r.stem: r for r in render_reports(results, cp)}


@pytest.fixture(scope="session")
def translated(built: tuple[dict[str, Any], Any]) -> dict[tuple[str, str], Rendered]:
    results, cp = built
    only = {"dossier-st-example-central", "deployment-st-example-central"}
    return {
        (lang, r.stem): r
        for lang in ("es", "fr")
        for r in render_reports(results, cp, only=only, lang=lang)
    }


@pytest.mark.slow
def test_deployment_report_has_no_layout_defect(pdf_report: Rendered) -> None:
    assert_no_layout_defect(pdf_report)


@pytest.mark.slow
@pytest.mark.parametrize("stem", REPORTS)
def test_every_report_has_no_layout_defect(all_pdfs: dict[str, Rendered], stem: str) -> None:
    assert_no_layout_defect(all_pdfs[stem])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "fr"])
@pytest.mark.parametrize("stem", ["dossier-st-example-central", "deployment-st-example-central"])
def test_translated_page_one_fits_and_has_no_defect(
    translated: dict[tuple[str, str], Rendered], lang: str, stem: str
) -> None:
    item = translated[lang, stem]
    assert item.pdf is not None
    assert_no_layout_defect(item)
    import io

    with pdfplumber.open(io.BytesIO(item.pdf)) as doc:
        first, second, third = (doc.pages[k].extract_text() or "" for k in (0, 1, 2))
    with use(lang):
        from fairgov.render.i18n import gettext

        summary, contents, evidence, signature, pageref = (
            gettext("Executive summary"),
            gettext("Contents"),
            gettext("Evidence"),
            gettext("Signature"),
            gettext("p. %(page)s") % {"page": ""},
        )
    # the sign-off table ends on page one: page two opens with the one-page executive summary
    # (no stray sign-off rows), page three with the contents (the dossier) or, in a short report
    # with no contents page, the evidence
    assert signature not in second
    assert summary in second.splitlines()[1:3], second[:200]
    third_opens = contents if stem.startswith("dossier-") else evidence
    assert third_opens in third.splitlines()[1:3], third[:200]
    # the gate rows point at the page of their evidence in the dossier; a short report names
    # the dossier that holds it, in one line under the table
    has_pagerefs = bool(re.search(re.escape(pageref) + r"\d+", first))
    assert has_pagerefs == stem.startswith("dossier-"), first
    assert stem.startswith("dossier-") or "dossier-st-example-central.pdf" in first


def _defects_of(chars: list[dict[str, Any]]) -> list[str]:
    class Page:
        width, height = 200.0, 200.0

    page: Any = Page()
    page.chars = chars
    return [d.kind for d in page_defects(page, 1)]


def _char(text: str, x: float, top: float, w: float = 5.0, h: float = 8.0) -> dict[str, Any]:
    return {"text": text, "x0": x, "x1": x + w, "top": top, "bottom": top + h}


@pytest.mark.slow
def test_audit_sees_overlap_and_off_page_text() -> None:
    clean = [_char("a", 10, 10), _char("b", 15, 10), _char("c", 10, 20)]
    assert _defects_of(clean) == []
    over = [_char("a", 10, 10), _char("b", 15, 10), _char("x", 50, 30), _char("0", 11, 11)]
    assert "overlap" in _defects_of(over)
    assert _defects_of([_char("z", 198, 10)]) == ["off page"]


def _pdf(body: str, tmp_path: Any) -> tuple[bytes, str]:
    from fairgov.render.pdf import html_to_pdf

    html = (
        "<!DOCTYPE html><html lang=\"en\"><head><title>t</title><style>@page { size: A4; margin: "
        "18mm 16mm; } body { margin: 0; font: 10pt 'DejaVu Sans'; }"
        "p, h2, h3 { margin: 0; }</style></head><body>" + body + "</body></html>"
    )
    pdf, problems = html_to_pdf(
        html,
        base_dir=tmp_path,
        allowed_dirs=[tmp_path],
        results_bytes=b"{}",
        build_date="2026-11-28",
    )
    assert problems == []
    return pdf, html


@pytest.mark.slow
def test_pagination_audit_sees_a_stranded_heading_and_a_near_empty_page(tmp_path: Any) -> None:
    content = (
        "<div style='break-inside: avoid'>"
        + "<p>What the heading announces, line.</p>" * 12
        + "</div>"
    )
    spacer = ("<p>Opening words of the page.</p><div style='height: 232mm'></div><p>Closing words "
        "of the spacer.</p>")
    # weasyprint keeps a heading with what follows (h3 break-after: avoid); forced apart, the audit
    # sees it
    kept = pagination_defects(
        *_pdf(spacer + "<h3>Subgroup results by site</h3>" + content, tmp_path)
    )
    assert kept == []
    stranded = pagination_defects(
        *_pdf(
            spacer + "<h3 style='break-after: auto'>Subgroup results by site</h3>" + content,
            tmp_path,
        )
    )
    assert [(d.page, d.kind) for d in stranded] == [
        (1, "label at page foot, its content on the next page")
    ]
    question = "<p class='question'>Who labelled the images? <span class='tag'>Gebru 3.1</span></p>"
    label = pagination_defects(
        *_pdf(spacer + question.replace("<p ", "<p style='font-weight: bold' ") + content, tmp_path)
    )
    assert [d.text for d in label] == ["Who labelled the images? Gebru 3.1"]
    near = pagination_defects(
        *_pdf(
            "<p>Two lines only.</p><p style='break-before: page'>The next page goes on.</p>",
            tmp_path,
        )
    )
    assert [d.kind for d in near] == ["near-empty page (1% of the body)"]
    part = pagination_defects(
        *_pdf(
            "<p>Two lines only.</p><h2 style='break-before: page'>Provenance of it</h2><p>x</p>",
            tmp_path,
        )
    )
    assert part == []  # a part (h2) always starts a page: the page before it may end early


def test_audit_reads_table_header_words() -> None:
    html = (
        "<table><thead><tr><th>TPR (sensitivity)</th><th>Calibration-in-the-large</th></tr></thead>"
        "<tbody><tr><td>Ignored</td></tr></tbody></table>"
    )
    assert header_words(html) == {"TPR", "sensitivity", "Calibration", "the", "large"}


def test_negative_interval_reads_as_a_range_not_minus_signs() -> None:
    assert fmt.interval(-0.178, 0.032) == "(−0.178 to 0.032)"
    with use("es"):
        assert fmt.interval(-0.178, 0.032) == "(−0,178 a 0,032)"


def test_estimate_outside_its_interval_is_marked_and_explained(
    html_reports: dict[str, Rendered],
) -> None:
    stat = {"value": 0.0459, "ci_low": 0.0474, "ci_high": 0.116}
    assert fmt.estimate(stat) == "0.046 (0.047 to 0.116) ‡"
    assert fmt.cell(stat)["outside"] is True
    assert fmt.outside({"value": 0.05, "ci_low": 0.047, "ci_high": 0.116}) is False
    for item in html_reports.values():
        if "‡" in re.sub(r"<style>.*?</style>", "", item.html, flags=re.S).replace(
            "‡ The estimate lies", ""
        ):
            assert (
                "‡ The estimate lies outside its own bootstrap percentile interval" in item.html
            ), item.stem


def test_compared_label_matches_results_json(
    built: tuple[dict[str, Any], Any], html_reports: dict[str, Rendered]
) -> None:
    from fairgov.render import gateview
    from fairgov.render.ids import Ids
    from fairgov.results import Gate, parse

    results, _ = built
    gates = [dict(g) for g in results["gates"] if g.get("type") == "metric"]
    assert gates
    typed = parse(results)
    thin = {**gates[0], "compared": None}
    (row,) = gateview.rows([Gate.model_validate(thin)], typed, Ids(), {})
    assert row.bound == "" and not row.compared
    assert row.observed_note == "point estimate, not compared"
    for g in gates:
        (row,) = gateview.rows([Gate.model_validate(g)], typed, Ids(), {})
        if g.get("compared") is None:
            assert row.bound == "" and not row.compared
            continue
        side = (
            "upper"
            if g["compared"] == g.get("ci_high")
            else "lower"
            if g["compared"] == g.get("ci_low")
            else "point"
        )
        assert row.bound.startswith(
            {"upper": "upper", "lower": "lower", "point": "point estimate"}[side]
        ), (g["id"], row.bound)
        assert row.observed == fmt.num(g["compared"])
    dossier = html_reports["dossier-st-example-central"].html
    for g in gates:
        if g.get("compared") is None and fmt.is_num(g.get("value")):
            section = dossier.split(f'id="gate-{g["id"]}"', 1)[1].split("</section>", 1)[0]
            assert "bound compared" not in section and "Not compared:" in section


# --- the example project in specs/ itself (README's main job): its own numbers, so its own
# line breaks; the fixture above is a bring-your-own-predictions copy with other scores

#: every report in English and the dossier, the fullest page one, in es and fr
EXAMPLE = tuple(("en", stem) for stem in REPORTS) + (
    ("es", "dossier-st-example-central"),
    ("fr", "dossier-st-example-central"),
)


@pytest.fixture(scope="session")
def example_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    pytest.importorskip("torch")  # the example embeds its images with a timm backbone
    from render_helpers import REPO, build

    results, cp = build(REPO / "specs", tmp_path_factory.mktemp("example") / "build")
    out: dict[tuple[str, str], Rendered] = {}
    for lang in ("en", "es", "fr"):
        only = {stem for la, stem in EXAMPLE if la == lang}
        out.update(((lang, r.stem), r) for r in render_reports(results, cp, only=only, lang=lang))
    return out


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.parametrize(("lang", "stem"), EXAMPLE)
def test_example_project_reports_have_no_layout_defect(
    example_pdfs: dict[tuple[str, str], Rendered], lang: str, stem: str
) -> None:
    item = example_pdfs[lang, stem]
    assert item.pdf is not None and item.problems == []
    assert_no_layout_defect(item)


@pytest.mark.slow
def test_audit_sees_a_word_broken_between_two_letters(tmp_path: Any) -> None:
    """A word too long for its cell, broken by overflow-wrap ("avertissemen" / "t"), is a
    defect; the same cell wide enough, or an identifier broken where `breakable` lets it (after
    "_" or ":"), is not."""
    from fairgov.render.environment import breakable

    def defects(cell: str, width: str) -> list[str]:
        body = (
            f'<table style="width: {width}; table-layout: fixed"><tr>'
            f'<td style="overflow-wrap: break-word">{cell}</td></tr></table>'
        )
        pdf, html = _pdf(body, tmp_path)
        return [d.kind for d in audit_pdf(pdf, html)]

    assert defects("avertissement", "40pt") == ["word split across lines"]
    assert defects("avertissement", "200pt") == []
    ident = "results:external_subgroup_metrics"
    assert defects(ident, "90pt") == ["word split across lines"]
    assert defects(breakable(ident), "90pt") == []


@pytest.mark.slow
def test_page_one_audit_sees_sign_off_rows_spilt_onto_page_two(tmp_path: Any) -> None:
    """The check itself: a page one whose last rows run onto page two is reported, one that
    ends before the summary is not."""
    summary = '<section class="s"><h2 id="summary-h">Executive summary</h2><p>plain words</p>'
    for n, expect in ((20, []), (80, ["page one spills onto page two"])):
        body = (
            '<section style="break-after: page">'
            + "".join(f"<p>sign-off row {k}</p>" for k in range(n))
            + "</section>"
            + summary
            + "</section>"
        )
        pdf, html = _pdf(body, tmp_path)
        assert [d.kind for d in pagination_defects(pdf, html)] == expect


# --- the stress project: long group names, eight groups in an attribute, all fourteen metrics, es
# and fr

#: each report in one language: both languages and every report kind, four PDFs in all
STRESS = (
    ("es", "dossier-st-example-central"),
    ("es", "datasheet-cxr-demo"),
    ("fr", "modelcard-cxr-triage-fm"),
    ("fr", "deployment-st-example-central"),
)


@pytest.fixture(scope="session")
def stress_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    from render_helpers import build
    from stress_project import make_stress_project

    root = tmp_path_factory.mktemp("stress")
    results, cp = build(make_stress_project(root / "project"), root / "build")
    out: dict[tuple[str, str], Rendered] = {}
    for lang in ("es", "fr"):
        only = {stem for la, stem in STRESS if la == lang}
        out.update({(lang, r.stem): r for r in render_reports(results, cp, only=only, lang=lang)})
    return out


def test_stress_project_is_what_it_claims(tmp_path: Any) -> None:
    import yaml
    from stress_project import SITES, make_stress_project

    from fairgov.spec.evaluation import METRIC_NAMES

    dest = make_stress_project(tmp_path / "p")
    sheet = yaml.safe_load((dest / "datasheet.yaml").read_text(encoding="utf-8"))
    assert len(sheet["attributes"]["site"]["values"]) == 8 and min(map(len, SITES.values())) > 30
    ev = yaml.safe_load((dest / "evaluation.yaml").read_text(encoding="utf-8"))
    assert ev["metrics"] == list(METRIC_NAMES) and len(METRIC_NAMES) == 14
    dist = yaml.safe_load((dest / "deployment.yaml").read_text(encoding="utf-8"))[
        "intended_population"
    ]["distribution"]
    assert set(dist["site"]) == set(SITES.values()) and abs(sum(dist["site"].values()) - 1) < 1e-9


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "stem"), STRESS)
def test_stress_project_reports_have_no_layout_defect(
    stress_pdfs: dict[tuple[str, str], Rendered], lang: str, stem: str
) -> None:
    from stress_project import SITES

    item = stress_pdfs[lang, stem]
    assert item.pdf is not None and item.problems == []
    assert_no_layout_defect(item)
    if stem.startswith(
        ("dossier-", "modelcard-")
    ):  # the long group names are in the evidence, whole
        assert sum(name in item.html for name in SITES.values()) == len(SITES)


def test_pagination_audit_reads_a_label_end_not_a_shared_word() -> None:
    from layout_audit import _ends

    assert _ends("Who labelled the images? Gebru 3.1", "the images? Gebru 3.1")
    assert _ends("Imaging modalities", "Imaging modalities")
    # a table-row header "... Department of Diagnostic Imaging" ending a page is no stranded label
    assert not _ends("Imaging modalities and views. Healthsheet", "Imaging")
    assert not _ends("Clinical lead sign-off", "Clinic")
