"""Content, structure and accessibility basics of the HTML reports."""

from __future__ import annotations

import re

import pytest
from html_audit import audit, visible_text

DOSSIER = "dossier-st-example-central"


def test_page_one_has_title_kind_date_version_hash_verdict_and_signoff(html_reports, built):
    results, _ = built
    html = html_reports[DOSSIER].html
    text = visible_text(html)
    assert "Governance dossier · built 2026-11-28 · fairgov" in text
    from fairgov.render import results_bytes
    from fairgov.render.context import results_sha256

    assert results_sha256(results_bytes(results)) in text
    assert re.search(r"VERDICT: BLOCKED — 3 blocking gates: 2 failed, 1 inconclusive", text)
    assert (
        "Evaluated:" in text
        and "Data:" in text
        and re.search(r"Threshold 0\.\d{3}, fitted on the validation split", text)
    )
    assert "Sign-off" in text and "Prof. Helena Varga" in text and "2026-11-20" in text
    assert html.count('class="blank"') >= 8  # unsigned dates and every signature line


def test_gate_table_blocking_first_with_words_and_icons(html_reports):
    html = html_reports[DOSSIER].html
    table = html.split('<table class="gates">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr class="row-(\w+)">.*?<td>(\w+|—|does not block|warning)</td>', table, re.S
    )
    statuses = [s for s, _ in rows]
    effects = [e for _, e in rows]
    assert statuses[:3] == ["fail", "fail", "inconclusive"] and effects[:3] == ["blocks"] * 3
    assert "blocks" not in effects[3:]
    for status in set(statuses):  # never colour alone: a glyph icon and the word
        word = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "warn": "WARN"}[
            status
        ]
        assert (
            f'<span class="icon icon-{status}" aria-hidden="true">' in table
            and f'<span class="word">{word}</span>' in table
        )


def test_inconclusive_is_explained_in_one_line(html_reports):
    text = visible_text(html_reports[DOSSIER].html)
    assert re.search(
        r"auroc-gap-site is inconclusive: the 95% interval \(0\.\d{3} to 0\.\d{3}\) crosses the "
        r"limit ≤ 0\.100: more patients are needed to decide; smallest group: river \(n=\d+\)\.",
        text,
    )


def test_undefined_cells_say_why(html_reports):
    text = visible_text(html_reports[DOSSIER].html)
    assert "undefined: 5 positives < minimum 10" in text
    assert re.search(r"0\.\d{3} \(0\.\d{3} to [01]\.\d{3}\)", text)  # "0.842 (0.811 to 0.870)"


def test_not_applicable_answers_show_their_justification(html_reports):
    text = visible_text(html_reports["modelcard-cxr-triage-fm"].html)
    assert (
        "Not applicable. Justification: In-house pilot under the health-institution exemption"
        in text
    )


def test_evidence_sections(html_reports):
    html = html_reports[DOSSIER].html
    for marker in (
        "Forest plot for gate auroc-gap-site",
        "Composition by sex",
        "Subgroup results by site",
        "Reliability curves by age_band",
        "Lifecycle view",
        "Standards coverage",
        "Provenance",
    ):
        assert marker in html, marker
    assert "intended: St. Example General Hospital" in html


def test_lifecycle_lists_every_stage(html_reports):
    text = visible_text(html_reports[DOSSIER].html)
    for stage in (
        "Data collection",
        "Pre-training",
        "Adaptation",
        "Evaluation",
        "Deployment",
        "Monitoring",
    ):
        assert stage in text
    assert "Monitoring triggers:" in text


def test_coverage_and_provenance(html_reports, built):
    results, _ = built
    text = visible_text(html_reports[DOSSIER].html)
    assert "covered" in text and "missing" in text
    for item in results["provenance"]["inputs"]:
        assert item["sha256"] in text and item["path"] in text
    assert "fairgov build tests/fixtures/project --date 2026-11-28" in text
    assert "No waivers in the applied policies." in text


@pytest.mark.parametrize(
    "stem",
    ["datasheet-cxr-demo", "modelcard-cxr-triage-fm", "deployment-st-example-central", DOSSIER],
)
def test_accessible_structure(html_reports, stem):
    html = html_reports[stem].html
    a = audit(html)
    assert re.match(r'<!DOCTYPE html>\n<html lang="en">', html)
    assert len(a.ids) == len(set(a.ids)), "ids are unique"
    ids = set(a.ids)
    assert [h for h in a.hrefs if h.startswith("#") and h[1:] not in ids] == [], (
        "every anchor resolves"
    )
    levels = a.headings
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a_ + 1 for a_, b in zip(levels, levels[1:], strict=False)), (
        "heading levels never skip"
    )
    tags = [t for t, _ in a.tags]
    assert tags.count("table") == tags.count("caption") == tags.count("thead")
    assert all(attrs.get("scope") in ("col", "row") for t, attrs in a.tags if t == "th")
    charts = [attrs for t, attrs in a.tags if t == "svg"]
    assert bool(charts) == stem.startswith("dossier-"), (
        "charts in the dossier (forest plots, per-group charts, calibration); the per-document "
        "reports have no copy of the model's evidence: they name the dossier instead"
    )
    assert all(c.get("role") == "img" and c.get("aria-labelledby") for c in charts)
    assert html.count("<title id=") == len(charts) and html.count("<desc id=") == len(charts)


@pytest.mark.parametrize("stem", ["datasheet-cxr-demo", DOSSIER])
def test_self_contained_no_external_requests(html_reports, stem):
    html = html_reports[stem].html
    a = audit(html)
    assert not [
        t
        for t, attrs in a.tags
        if t in ("script", "link", "img", "iframe", "object", "embed", "base")
    ]
    assert not [
        attrs for _, attrs in a.tags if "src" in attrs or any(k.startswith("on") for k in attrs)
    ]
    assert not re.search(r"url\(|@import", html.split("<style>", 1)[1].split("</style>", 1)[0])
    assert [h for h in a.hrefs if not h.startswith("#")] == []


def test_a_row_undefined_for_every_metric_says_so_once(html_reports, built):
    """Small intersections: one spanning cell with the reason instead of the same text per
    metric."""
    results, _ = built
    html = html_reports[DOSSIER].html  # the full subgroup tables are in the dossier
    spans = re.findall(
        r'<tr><th scope="row">([^<]+)</th>(?:<td class="num">[^<]*</td>){3}'
        r'<td class="num undef-row" colspan="(\d+)"><span class="undef">([^<]+)</span></td></tr>',
        html,
    )
    assert spans, "expected at least one row undefined for every metric"
    attributes = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]["attributes"]
    groups = {g: cell for a in attributes.values() for g, cell in a["groups"].items()}
    for group, colspan, text in spans:
        assert int(colspan) > 1 and text.endswith("(every metric of this table)")
        reasons = {
            m.get("reason") for m in groups[group]["metrics"].values() if m.get("value") is None
        }
        assert reasons, group  # the group really has undefined metrics
        assert text.startswith("undefined: ") and text.count("undefined") == 1


def test_shared_undefined_only_when_every_cell_has_the_same_reason():
    from fairgov.render.evidence import _shared_undefined

    u = {"defined": False, "text": "undefined: 3 positives < minimum 10"}
    v = {"defined": False, "text": "undefined: no negatives"}
    d = {"defined": True, "value": "0.500", "ci": "", "note": ""}
    assert _shared_undefined([u, dict(u), dict(u)]) == u["text"]
    assert (
        _shared_undefined([u, v]) is None
        and _shared_undefined([u, d]) is None
        and _shared_undefined([u]) is None
    )


def test_datasheet_report_leaves_model_numbers_to_the_model_card(html_reports):
    datasheet, card, dossier = (
        html_reports["datasheet-cxr-demo"].html,
        html_reports["modelcard-cxr-triage-fm"].html,
        html_reports[DOSSIER].html,
    )
    for short in (datasheet, card):
        assert "Forest plot for gate" not in short and "Numbers behind gate" not in short
        assert "The governance dossier dossier-st-example-central.pdf holds the rest" in (
            visible_text(short)
        )
    # the data's own evidence stays, as its gaps against the intended population; the full
    # composition tables and charts are in the dossier, which the datasheet names
    assert 'class="data compact composition-gaps"' in datasheet
    assert "Composition by sex" not in datasheet and "Composition by sex" in dossier
    assert "see dossier-st-example-central.pdf, section “Evaluation: " in visible_text(datasheet)
    assert (
        "Forest plot for gate auroc-gap-site" in dossier
        and "Numbers behind gate auroc-gap-site" in dossier
    )
    # the model card keeps the numbers each gate that did not pass compared, and its subgroup
    # results; the passes are page one's rows
    assert re.search(r'<section class="gate-evidence" id="gate-auroc-gap-site"', card)
    assert re.search(r'<tr class="row-pass" id="gate-[^"]+">', card)
    assert 'class="gate-evidence' not in datasheet and "Subgroup results" in card


@pytest.mark.parametrize(
    "stem", ["datasheet-cxr-demo", "modelcard-cxr-triage-fm", "deployment-st-example-central"]
)
def test_per_document_reports_point_to_the_model_evidence_instead_of_copying_it(html_reports, stem):
    html = html_reports[stem].html
    for copied in (
        "Forest plot for gate",
        "Numbers behind gate",
        "Subgroup results by",
        "Reliability curves by",
        'id="chart-',
        'id="evidence-passed"',  # page one's table is the list of gates
        'id="contents"',  # no contents page: a short report, the summary, then its evidence
    ):
        assert copied not in html, copied
    page_one = html.split('<table class="gates short">', 1)[1]
    page_one = page_one.split('<div class="evaluated">', 1)[0]
    table, note = page_one.split("</table>", 1)
    rows = re.findall(r'<tr class="row-(\w+)"(?: id="(gate-[^"]+)")?>', table)
    assert rows, "page one lists the gates"
    own_ids = set(audit(html).ids)
    for status, anchor in rows:
        # a gate whose evidence is a section of this report (the model card's gates that did
        # not pass) has its anchor there; every other gate's line here is page one's row
        in_report = stem.startswith("modelcard-") and status != "pass"
        assert bool(anchor) != in_report, (stem, status, anchor)
    # no "See" column of page numbers (no page to lay out twice for them): one line names
    # where the evidence is
    assert ">See<" not in table and 'class="pageref"' not in table
    assert "of every gate are in dossier-st-example-central.pdf." in visible_text(note)
    summary = html.split('id="summary"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'href="#(gate-[^"]+)"', summary)
    assert links and all(link in own_ids for link in links)  # the summary's gates resolve
    assert ('class="data compact composition-gaps"' in html) == (
        stem == "datasheet-cxr-demo"
    )  # the data's own evidence stays in its report, compact; the full tables in the dossier
    assert "Composition by sex" not in html and 'id="coverage"' not in html


def test_dossier_charts_per_group_only_what_no_forest_plot_draws(html_reports, built):
    from fairgov.render.gateview import AGGREGATE_PARTS

    results, _ = built
    html = html_reports[DOSSIER].html
    titles = dict(
        re.findall(r'<title id="chart-cxr-demo-probe-([a-z-]+)-title">([^<]*)</title>', html)
    )
    checked = 0
    for g in results["gates"]:
        if g.get("type") != "metric":
            continue
        title = titles.get(g["across"].replace("_", "-"), "")
        for part in AGGREGATE_PARTS.get(g["metric"], (g["metric"],)):
            label = {"auroc": "AUROC", "tpr": "TPR (sensitivity)", "fpr": "FPR", "ece": "ECE"}[part]
            if g["status"] == "pass":
                assert label in title, (
                    g["id"],
                    title,
                )  # a passing gate has no forest plot: its chart stays
            elif f"Forest plot for gate {g['id']}" in html:
                assert label not in title, (g["id"], title)
            checked += 1
    assert checked >= 4


def test_dossier_lifecycle_is_part_of_the_documentation_and_links_each_answer(html_reports):
    html = html_reports[DOSSIER].html
    assert (
        html.index('id="documentation"')
        < html.index('id="lifecycle"')
        < html.index('class="document"')
    )
    lifecycle = html.split('id="lifecycle"', 1)[1].split('class="document"', 1)[0]
    ids = set(re.findall(r' id="([^"]+)"', html))
    links = re.findall(r'href="#(f-[^"]+)"', lifecycle)
    assert len(links) >= 20 and all(link in ids for link in links)
    assert "Question" not in lifecycle, "answers are not repeated: the lifecycle links to them"


def test_coverage_names_own_fields_by_path_and_others_by_kind(html_reports):
    card = html_reports["modelcard-cxr-triage-fm"].html
    dossier = html_reports[DOSSIER].html
    # a document's own report names the dossier for its standards coverage; the dossier lists
    # the gaps item by item
    assert 'id="coverage"' not in card and 'class="data coverage-table"' not in card
    evidence = visible_text(card.split('id="evidence"', 1)[1].split('id="evidence-gates"', 1)[0])
    assert "The governance dossier dossier-st-example-central.pdf holds the rest" in evidence
    assert "the standards coverage item by item" in evidence
    # the dossier lists gaps only, each with what is missing; covered items stay in the own reports
    coverage = dossier.split('id="coverage"', 1)[1].split('id="provenance"', 1)[0]
    assert 'class="cov-covered"' not in coverage and 'class="cov-missing"' in coverage
    # (an identifier carries <wbr> line-break opportunities, which a browser does not show)
    assert "Gaps only:" in coverage
    assert "missing: results:external_metrics" in coverage.replace("<wbr>", "")


def test_model_card_shows_its_gated_and_headline_metrics_in_one_overview(html_reports, built):
    """The model card is short: one table of the gated and headline metrics per group, its
    numbers those of results.json; the full subgroup tables, per-group charts and calibration
    curves are in the dossier, which the card names in one line."""
    from fairgov.render.gateview import AGGREGATE_PARTS

    results, _ = built
    card = html_reports["modelcard-cxr-triage-fm"].html
    dossier = html_reports[DOSSIER].html
    for moved in ("Subgroup results by", "Reliability curves by", "Composition by", 'id="chart-'):
        assert moved not in card and moved in dossier, moved
    tables = re.findall(r'<table class="data subgroup">(.*?)</table>', card, re.S)
    (overview,) = [t for t in tables if "Gated and headline metrics by group" in t]
    gated = {
        part
        for g in results["gates"]
        if g["type"] == "metric"
        for part in AGGREGATE_PARTS.get(g["metric"], (g["metric"],))
    }
    header = overview.split("</thead>", 1)[0]
    columns = re.findall(r'<th scope="col" class="num">(?:<abbr title="[^"]*">)?([^<]+)<', header)
    label = {"auroc": "AUROC", "tpr": "TPR", "fpr": "FPR", "ece": "ECE"}
    # the gated metrics and the headline ones (AUROC, TPR, FPR, ECE), nothing else
    assert gated <= set(label) and sorted(columns[3:]) == sorted(label.values()), columns
    measure = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]
    auroc = measure["overall"]["metrics"]["auroc"]
    overall = overview.split('<tr class="overall">', 1)[1].split("</tr>", 1)[0]
    assert f"{auroc['value']:.3f}" in overall and f"{auroc['ci_low']:.3f} to" in overall
    for attr in ("sex", "age_band", "site"):  # every single attribute, one block each
        assert f'<tr class="attr-head"><th scope="row" colspan="8">{attr}</th></tr>' in overview
        for group, cell in measure["attributes"][attr]["groups"].items():
            if cell["n"]:
                assert f'<th scope="row">{group}</th>' in overview, group
    assert "×" not in overview  # no gate of the fixture compares across an intersection
    text = visible_text(card)
    assert (
        "Full subgroup tables of every metric, the per-group charts, the calibration curves and "
        "the data’s composition: see dossier-st-example-central.pdf, section “Evaluation: Linear "
        "probe on CXR-Demo v2, internal test split”." in text
    )
    assert "Evaluation: Linear probe on CXR-Demo v2, internal test split" in visible_text(dossier)


def test_datasheet_composition_summary_is_the_test_split_against_the_intended_population(
    html_reports, built
):
    results, cp = built
    html = html_reports["datasheet-cxr-demo"].html
    table = html.split('class="data compact composition-gaps"', 1)[1].split("</table>", 1)[0]
    test = results["evaluations"]["evaluation/cxr-demo-probe"]["composition"]["age_band"]["test"]
    intended = cp.get(
        "deployment/st-example-central"
    ).model.intended_population.distribution["age_band"]
    total = sum(test.values())
    diffs = []
    for group, share in intended.items():
        have = test.get(group, 0) / total
        d = (have - share) * 100
        row = table.split(f'<th scope="row">{group}</th>', 1)[1].split("</tr>", 1)[0]
        assert f"{have * 100:.1f}%" in row and f"{share * 100:.1f}%" in row, group
        sign = "+" if round(d, 1) > 0 else ("−" if round(d, 1) < 0 else "")
        assert f"{sign}{abs(d):.1f} points" in row, (group, row)
        diffs.append((abs(d), group, row))
    _, worst, row = max(diffs)
    assert "<strong>" in row, worst  # the largest difference of the attribute is marked
    assert "Train" not in table and "Validation" not in table  # those are in the dossier
