"""Gates end to end on a compiled fixture project with hand-made measurements.

Every status is reachable: pass, fail, inconclusive (undefined metric, thin cell, missing
evaluation, straddling interval), warn, waived, and an expired waiver that does not waive.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from measured import measure_result

from fairgov.gates import EvalOutcome, run_gates
from fairgov.validate import compile_project

EVAL = "evaluation/cxr-demo-probe"
DATE = dt.date(2026, 11, 28)


def stat(value, lo=None, hi=None, reason=None, p=None):
    out = {"value": value, "ci_low": lo, "ci_high": hi, "reason": reason}
    return out if p is None else {**out, "p_value": p}


def cell(n_pos=50, n_neg=50, **metrics):
    return {"n": n_pos + n_neg, "n_pos": n_pos, "n_neg": n_neg, "metrics": metrics}


def measure(auroc_gap_site=(0.2, 0.12, 0.3), thin_river=False):
    good = {
        "auroc": stat(0.9, 0.85, 0.93),
        "tpr": stat(0.8, 0.7, 0.88),
        "fpr": stat(0.2, 0.15, 0.25),
        "ece": stat(0.05, 0.03, 0.08),
    }
    river = dict(good)
    if thin_river:
        river["tpr"] = stat(None, reason="undefined: 3 positives < minimum 10")

    def aggs(gap):
        return {
            "auroc": {"gap": stat(*gap, p=0.001), "worst": {**stat(0.8, 0.74, 0.86), "group": "x"}},
            "tpr": {
                "gap": stat(0.05, 0.01, 0.09),
                "worst": {**stat(0.75, 0.65, 0.82), "group": "x"},
            },
            "ece": {"worst": {**stat(0.08, 0.05, 0.12), "group": "x"}},
            "equalized_odds": stat(0.06, 0.02, 0.2),
        }

    # a real measurement's record (counts, bootstrap, evidence rules), with targeted values per
    # attribute
    real = measure_result().to_dict()
    return {
        **real,
        "threshold": 0.5,
        "overall": cell(**good),
        "attributes": {
            "sex": {
                "groups": {"female": cell(**good), "male": cell(**good)},
                "aggregates": aggs((0.02, 0.0, 0.05)),
            },
            "age_band": {
                "groups": {"18-39": cell(**good), "80+": cell(**river)},
                "aggregates": aggs((0.02, 0.0, 0.05)),
            },
            "site": {
                "groups": {"north": cell(**good), "river": cell(**river)},
                "aggregates": aggs(auroc_gap_site),
            },
            "sex×age_band": {"groups": {}, "aggregates": {}},
        },
    }


def gates_by_id(project: Path, outcome: EvalOutcome, date=DATE):
    cp = compile_project(project)
    assert cp.ok, cp.diagnostics
    from fairgov.standards import coverage_for_project

    cov = {
        k: v.to_dict()
        for k, v in coverage_for_project({"ModelCard": cp.model("modelcard/cxr-triage-fm")}).items()
    }
    report = run_gates(cp, {EVAL: outcome}, cov, date)
    return {r.id: r for r in report.results}, report


def test_statuses_on_a_measured_evaluation(project: Path) -> None:
    res, report = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    assert res["auroc-gap-sex"].status == "pass" and res["auroc-gap-sex"].compared == 0.05
    assert res["auroc-gap-site"].status == "fail" and res["auroc-gap-site"].blocking
    assert res["auroc-gap-site"].source == {"file": "policy.yaml", "line": 29, "col": 5}
    assert res["tpr-worst-age"].status == "pass"  # lower bound 0.65 >= 0.60
    assert res["eo-sex"].status == "warn" and not res["eo-sex"].blocking  # straddles, severity warn
    assert res["threshold-matches"].status == "pass"
    assert res["axes-evaluated"].status == "pass"
    assert res["fairness-documented"].status == "pass"
    # blocking problems first
    assert list(res)[0] == "auroc-gap-site"


def test_thin_cell_makes_gate_inconclusive_and_blocking(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure(thin_river=True), threshold=0.5))
    gate = res["tpr-worst-age"]
    assert gate.status == "inconclusive" and gate.blocking
    assert "80+: undefined: 3 positives < minimum 10" in gate.reason


def test_evaluation_that_did_not_run_is_inconclusive(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, None, "weights sha256 mismatch"))
    metric = [r for r in res.values() if r.type == "metric"]
    assert metric and all(r.outcome == "inconclusive" for r in metric)
    assert all("did not run: weights sha256 mismatch" in r.reason for r in metric)
    assert res["threshold-matches"].status == "inconclusive"
    assert res["auroc-gap-sex"].blocking


def test_undefined_statistic_is_inconclusive(project: Path) -> None:
    m = measure(auroc_gap_site=(None, None, None))
    m["attributes"]["site"]["aggregates"]["auroc"]["gap"]["reason"] = "fewer than 2 groups defined"
    res, _ = gates_by_id(project, EvalOutcome(EVAL, m, threshold=0.5))
    assert res["auroc-gap-site"].status == "inconclusive"
    assert "fewer than 2 groups defined" in res["auroc-gap-site"].reason


def test_inconclusive_opt_out(project: Path, edit) -> None:
    edit(
        project / "policy.yaml",
        "    max: 0.10\n  - id: auroc-gap-site",
        "    max: 0.10\n    inconclusive_blocks: false\n  - id: auroc-gap-site",
    )
    m = measure()
    m["attributes"]["sex"]["aggregates"]["auroc"]["gap"] = stat(0.04, 0.0, 0.2)
    res, _ = gates_by_id(project, EvalOutcome(EVAL, m, threshold=0.5))
    assert res["auroc-gap-sex"].status == "inconclusive" and not res["auroc-gap-sex"].blocking


WAIVER = (
    "waivers:\n  - {gate: auroc-gap-site, owner: Dr. Lena Hoffmann, justification: river "
    "unit replaced in Q1, ticket: GOV-12, expires: %s}"
)


def test_active_waiver_waives(project: Path, edit) -> None:
    edit(project / "policy.yaml", "waivers: []", WAIVER % "2026-12-31")
    res, report = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    gate = res["auroc-gap-site"]
    assert gate.status == "waived" and gate.outcome == "fail" and not gate.blocking
    assert gate.waiver["ticket"] == "GOV-12" and report.waivers[0]["status"] == "active"


def test_expired_waiver_does_not_waive_and_is_reported(project: Path, edit) -> None:
    edit(project / "policy.yaml", "waivers: []", WAIVER % "2026-11-27")
    res, report = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    assert res["auroc-gap-site"].status == "fail" and res["auroc-gap-site"].blocking
    assert report.waivers[0]["status"] == "expired"
    assert [d.code for d in report.diagnostics] == ["FG503"]
    # the waiver is still active the day it expires
    res, _ = gates_by_id(
        project, EvalOutcome(EVAL, measure(), threshold=0.5), date=dt.date(2026, 11, 27)
    )
    assert res["auroc-gap-site"].status == "waived"


def test_threshold_mismatch_fails(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.42))
    assert res["threshold-matches"].status == "fail"
    assert "0.5000 ≠ evaluated 0.4200" in res["threshold-matches"].reason


def test_axes_not_evaluated_fails(project: Path, edit) -> None:
    edit(
        project / "deployment.yaml",
        "    site: {north: 0.40, central: 0.40, river: 0.20}",
        "    site: {north: 0.40, central: 0.40, river: 0.20}\n    ethnicity: {a: 0.5, b: 0.5}",
    )
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    assert (
        res["axes-evaluated"].status == "fail"
        and "ethnicity not evaluated" in res["axes-evaluated"].reason
    )


def test_required_field_not_applicable_rejected_when_disallowed(project: Path, edit) -> None:
    edit(
        project / "modelcard.yaml",
        "  data_gaps: No ethnicity data recorded; race/ethnicity disparities are unknown.",
        "  data_gaps:\n    not_applicable: we have no gaps",
    )
    edit(
        project / "policy.yaml",
        "    document: ModelCard\n",
        "    document: ModelCard\n    allow_not_applicable: false\n",
    )
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    assert res["fairness-documented"].status == "fail"
    assert "limitations.data_gaps is not_applicable" in res["fairness-documented"].reason
    # located at the answer in the model card, so SARIF points at the document
    assert res["fairness-documented"].details["location"] == {
        "file": "modelcard.yaml",
        "line": 78,
        "col": 5,
    }


def test_coverage_gate_reports_missing_items(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure(), threshold=0.5))
    gate = res["hti1-coverage"]
    assert gate.status == "fail" and gate.value < 1.0 and "missing:" in gate.reason


ORG = """apiVersion: fairgov/v1
kind: Policy
id: org
title: Organisation policy
owners: [{name: Board, role: owner}]
gates:
  - {id: auroc-gap-site, metric: auroc, across: [site], statistic: gap, max: 0.05}
  - {id: org-only, metric: auroc, across: [sex], statistic: worst, min: 0.5}
"""


def test_policy_extension_inherits_and_tightens(project: Path, edit) -> None:
    (project / "org.yaml").write_text(ORG)
    edit(project / "policy.yaml", "holm: false", "holm: false\nextends: policy/org")
    edit(
        project / "policy.yaml",
        "    across: [site]\n    statistic: gap\n    max: 0.10",
        "    across: [site]\n    statistic: gap\n    max: 0.03",
    )
    res, _ = gates_by_id(
        project, EvalOutcome(EVAL, measure(auroc_gap_site=(0.04, 0.02, 0.08)), threshold=0.5)
    )
    assert "org-only" in res and res["org-only"].policy == "policy/org"  # inherited
    assert (
        res["auroc-gap-site"].threshold == 0.03
        and res["auroc-gap-site"].policy == "policy/st-example-fairness"
    )


def test_loosening_without_waiver_is_a_validation_error(project: Path, edit) -> None:
    (project / "org.yaml").write_text(ORG)
    edit(project / "policy.yaml", "holm: false", "holm: false\nextends: policy/org")
    cp = compile_project(project)  # the project's 0.10 loosens the org's 0.05
    assert [d.check_tuple() for d in cp.diagnostics] == [("FG313", 30, 5)]


def test_loosening_with_waiver_is_allowed(project: Path, edit) -> None:
    (project / "org.yaml").write_text(ORG)
    edit(project / "policy.yaml", "holm: false", "holm: false\nextends: policy/org")
    edit(project / "policy.yaml", "waivers: []", WAIVER % "2027-06-30")
    res, _ = gates_by_id(
        project, EvalOutcome(EVAL, measure(auroc_gap_site=(0.04, 0.02, 0.08)), threshold=0.5)
    )
    assert res["auroc-gap-site"].threshold == 0.10


@pytest.mark.parametrize(("p_site", "expect"), [(0.001, "fail"), (0.04, "inconclusive")])
def test_holm_adjustment(project: Path, edit, p_site, expect) -> None:
    edit(project / "policy.yaml", "holm: false", "holm: true")
    m = measure()
    m["attributes"]["site"]["aggregates"]["auroc"]["gap"]["p_value"] = p_site
    m["attributes"]["sex"]["aggregates"]["auroc"]["gap"]["p_value"] = 0.5
    res, _ = gates_by_id(project, EvalOutcome(EVAL, m, threshold=0.5))
    gate = res["auroc-gap-site"]
    assert gate.p_adjusted == pytest.approx(min(1.0, p_site * 2))
    assert gate.outcome == expect
