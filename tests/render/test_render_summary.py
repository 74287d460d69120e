"""Reader structure: page one, then a one-page executive summary, then evidence where only gates
that did not pass get full sections; consistency findings the tool can make itself."""

from __future__ import annotations

import re
from typing import Any

from fairgov.render.findings import findings
from fairgov.render.scope import scopes
from fairgov.results import parse

DOSSIER = "dossier-st-example-central"


def _scope(cp: Any, results: dict[str, Any], stem: str) -> Any:
    return next(s for s in scopes(cp, parse(results)) if s.stem == stem)


def test_composition_claim_is_checked_against_the_own_table(
    built: tuple[dict[str, Any], Any],
) -> None:
    results, cp = built
    comp = results["evaluations"]["evaluation/cxr-demo-probe"]["composition"]
    intended = cp.get("deployment/st-example-central").model.intended_population.distribution
    worst = max(
        abs(comp[a]["test"].get(g, 0) / sum(comp[a]["test"].values()) - share)
        for a in ("sex", "age_band")
        for g, share in intended[a].items()
    )
    assert worst > 0.05  # the datasheet claims "within five percentage points"
    found = [f for f in findings(_scope(cp, results, DOSSIER), parse(results)) if f.code == "FG610"]
    assert len(found) == 1
    assert f"{worst * 100:.1f} points apart" in found[0].text
    assert found[0].where == "datasheet.yaml: representativeness.vs_target_population"


def test_local_gap_limit_differs_from_the_policy(built: tuple[dict[str, Any], Any]) -> None:
    results, cp = built
    eo = next(g for g in results["gates"] if g["id"] == "eo-sex")
    found = [f for f in findings(_scope(cp, results, DOSSIER), parse(results)) if f.code == "FG611"]
    # one contradiction stated in two fields of one file: listed once, with both places
    assert len(found) == 1
    assert found[0].where == (
        "deployment.yaml: local_validation.subgroup_metrics, monitoring.triggers[0].condition"
    )
    assert "limit of 0.100" in found[0].text and f"allows {eo['threshold']:.3f}" in found[0].text
    # a datasheet report holds no deployment narrative: no FG611 there
    assert not [
        f
        for f in findings(_scope(cp, results, "datasheet-cxr-demo"), parse(results))
        if f.code == "FG611"
    ]


def test_summary_follows_page_one_and_passes_are_one_table(
    built: tuple[dict[str, Any], Any], html_reports: dict[str, Any]
) -> None:
    results, _ = built
    html = html_reports[DOSSIER].html
    order = [html.index(f'id="{i}"') for i in ("verdict", "summary", "contents", "evidence")]
    assert order == sorted(order)
    summary = html.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert "FG610" in summary and "FG611" in summary and "Worklist prioritisation" in summary
    for g in results["gates"]:
        full = re.search(rf'<section class="gate-evidence" id="gate-{re.escape(g["id"])}"', html)
        if g["status"] == "pass":
            assert not full, g["id"]
            assert f'<tr id="gate-{g["id"]}">' in html.split('id="evidence-passed"', 1)[1], g["id"]
        else:
            assert full, g["id"]
    for g in results["gates"]:
        if g["type"] == "metric" and g["status"] in ("fail", "warn", "inconclusive"):
            assert f'href="#gate-{g["id"]}"' in summary, g["id"]


def test_findings_stated_in_several_places_are_listed_once() -> None:
    from fairgov.render.findings import Finding, merged

    a = Finding("FG611", "limit 0.10 vs 0.15", "deployment.yaml: x")
    b = Finding("FG611", "limit 0.10 vs 0.15", "deployment.yaml: y")
    c = Finding("FG611", "limit 0.10 vs 0.15", "other.yaml: z")
    d = Finding("FG610", "mix 13.8% vs 22.0%", "datasheet.yaml: r")
    assert merged([a, d, b, a, c]) == [
        Finding("FG611", "limit 0.10 vs 0.15", "deployment.yaml: x, y; other.yaml: z"),
        d,
    ]
    assert merged([]) == []
