"""The bias-mitigation section of the reports (fairgov/render/mitigations.py): comparison
tables and chart, the attribute-at-inference statement quoted from the deployment protocol,
lifecycle links, and a dossier PDF with the section that passes the layout audits."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from fairgov.pipeline.build import run_build
from fairgov.render import render_reports

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "render"))
from html_audit import visible_text  # noqa: E402
from layout_audit import audit_pdf, pagination_defects  # noqa: E402

DOSSIER = "dossier-st-example-central"
STATEMENT = (
    "The PACS router writes the acquiring site code into every study before it reaches the model."
)


@pytest.fixture
def built(project: Path, edit, tmp_path: Path):
    edit(
        project / "evaluation.yaml",
        "ece_bins: 10\n",
        """ece_bins: 10
mitigations:
  - id: site-thresholds
    type: group_thresholds
    by: [site]
    objective: target_sensitivity
    value: 0.9
""",
    )
    edit(project / "evaluation.yaml", "resamples: 2000", "resamples: 200")
    edit(project / "evaluation.yaml", "permutations: 1000", "permutations: 100")
    edit(
        project / "deployment.yaml",
        "  threshold: 0.5\n",
        f"""  threshold: fitted
  variant: site-thresholds
  attribute_at_inference:
    source: DICOM (0008,0080) InstitutionName
    statement: {STATEMENT}
""",
    )
    edit(
        project / "policy.yaml",
        "waivers: []\n",
        """waivers: []
comparisons:
  - id: tpr-no-worse
    evaluation: evaluation/cxr-demo-probe
    candidate: site-thresholds
    metric: tpr
    across: [site]
    statistic: each_group
    max_worsening: 0.02
""",
    )
    outcome = run_build(
        project,
        out=tmp_path / "out",
        date="2026-11-28",
        write_reports=False,
        options={"cache_dir": tmp_path / "cache"},
    )
    assert outcome.results is not None
    return outcome.results, outcome.project


def test_deployed_group_thresholds_follow_the_fitted_thresholds(built) -> None:
    results, _ = built
    gate = next(g for g in results["gates"] if g["id"] == "threshold-matches")
    var = results["evaluations"]["evaluation/cxr-demo-probe"]["variants"]["site-thresholds"]
    assert gate["status"] == "pass" and "per-group thresholds" in gate["reason"]
    assert (
        gate["details"]["deployed"]["deployment/st-example-central"]["thresholds"]
        == var["threshold"]["groups"]["thresholds"]
    )


def test_diff_and_export_carry_variants(built) -> None:
    from fairgov.exports.subgroups import rows
    from fairgov.resultsdiff import diff_results

    results, _ = built
    labels = {r["evaluation"] for r in rows(results)}
    assert labels == {"evaluation/cxr-demo-probe", "evaluation/cxr-demo-probe#site-thresholds"}
    head = __import__("copy").deepcopy(results)
    cell = head["evaluations"]["evaluation/cxr-demo-probe"]["variants"]["site-thresholds"][
        "measure"
    ]["attributes"]["site"]["groups"]["river"]["metrics"]["tpr"]
    cell["value"], cell["ci_low"], cell["ci_high"] = 0.1, 0.05, 0.15
    d = diff_results(results, head)
    [changed] = d["metrics"]
    assert (
        changed["evaluation"] == "evaluation/cxr-demo-probe#site-thresholds"
        and changed["regression"] is True
    )


@pytest.mark.slow
def test_mitigation_section_in_the_dossier_html(built) -> None:
    results, cp = built
    [dossier] = render_reports(results, cp, pdf=False, only={DOSSIER})
    text = visible_text(dossier.html)
    assert "Bias mitigations of" in text
    assert "group-specific thresholds fitted on validation — site" in text
    assert "needs each study's site at inference time" in text
    assert f"obtains it from DICOM (0008,0080) InstitutionName: “{STATEMENT}”" in text
    cmp = results["evaluations"]["evaluation/cxr-demo-probe"]["comparisons"][0]
    row = next(r for r in cmp["rows"] if r["key"] == "tpr.group.site[river]")
    assert re.search(r"TPR \(sensitivity\) of site river: baseline and candidates", text)
    assert f"{row['difference']:.3f}".replace("-", "−") in text
    # the lifecycle view links the intervention to the decision stage (deployment row)
    stage = dossier.html.split('id="stage-deployment"', 1)[1].split("</tr>", 1)[0]
    assert (
        "site-thresholds: group-specific thresholds fitted on validation by site (decision stage"
        in stage
    )
    assert 'href="#variant-' in stage
    # the model card report carries it too; the datasheet report does not
    reports = {r.stem: r.html for r in render_reports(results, cp, pdf=False)}
    assert "Bias mitigations of" in visible_text(reports["modelcard-cxr-triage-fm"])
    assert "Bias mitigations of" not in visible_text(reports["datasheet-cxr-demo"])


@pytest.mark.slow
def test_dossier_pdf_with_mitigations_has_no_layout_defect(built) -> None:
    results, cp = built
    [dossier] = render_reports(results, cp, only={DOSSIER})
    assert dossier.pdf is not None
    assert [str(d) for d in audit_pdf(dossier.pdf, dossier.html)] == []
    assert [str(d) for d in pagination_defects(dossier.pdf, dossier.html)] == []
