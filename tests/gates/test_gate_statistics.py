"""Signed-difference gates, the debiased ECE estimator and operating characteristics in evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from test_gate_engine import EVAL, gates_by_id, measure, stat

from fairgov.gates import EvalOutcome
from fairgov.gates.compare import Limit
from fairgov.gates.metric_gates import operating_characteristics
from fairgov.spec.policy import MetricGate

EXTRA = """gates:
  - id: tpr-river-vs-north
    metric: tpr
    across: [site]
    statistic: difference
    group: river
    reference: north
    min: -0.05
  - id: tpr-north-vs-river
    metric: tpr
    across: [site]
    statistic: difference
    group: north
    reference: river
    max: 0.05
  - id: ece-river-debiased
    metric: ece
    across: [site]
    statistic: group
    group: river
    estimator: debiased
    max: 0.05
"""


def _measured():
    m = measure()
    site = m["attributes"]["site"]
    site["aggregates"]["tpr"]["gap"]["differences"] = [
        {"group": "north", "reference": "river", "value": 0.02, "ci_low": -0.01, "ci_high": 0.04,
         "sim_low": -0.02, "sim_high": 0.05},
    ]
    site["aggregates"]["tpr"]["gap"]["interval"] = "max-t simultaneous"
    site["groups"]["river"]["metrics"]["ece"] = {
        **stat(0.07, 0.05, 0.1),
        "debiased": stat(0.03, 0.01, 0.045),
    }
    q = [round(0.04 + 0.005 * i, 3) for i in range(19)]  # upper bound under no gap: 0.04 .. 0.13
    m["attributes"]["sex"]["aggregates"]["auroc"]["gap"]["fair_upper"] = q
    return m


def test_difference_gates_read_the_signed_pair_either_way_round(project: Path, edit) -> None:
    edit(project / "policy.yaml", "gates:\n", EXTRA)
    res, _ = gates_by_id(project, EvalOutcome(EVAL, _measured(), threshold=0.5))
    flipped = res["tpr-river-vs-north"]  # river - north = -(north - river)
    assert (flipped.value, flipped.ci_low, flipped.ci_high) == (-0.02, -0.04, 0.01)
    assert flipped.outcome == "pass" and flipped.compared == -0.04
    assert flipped.details["sim_low"] == -0.05
    direct = res["tpr-north-vs-river"]
    assert (direct.value, direct.compared, direct.outcome) == (0.02, 0.04, "pass")
    assert direct.details["interval"] == "max-t simultaneous"


def test_debiased_ece_gate_uses_the_debiased_estimate(project: Path, edit) -> None:
    edit(project / "policy.yaml", "gates:\n", EXTRA)
    res, _ = gates_by_id(project, EvalOutcome(EVAL, _measured(), threshold=0.5))
    gate = res["ece-river-debiased"]
    assert (gate.value, gate.compared, gate.outcome) == (0.03, 0.045, "pass")
    assert gate.details["estimator"] == "debiased"


def test_gap_gate_evidence_has_the_probability_of_passing_a_fair_model(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, _measured(), threshold=0.5))
    oc = res["auroc-gap-sex"].details["operating_characteristics"]  # limit 0.10
    assert oc["p_pass_if_fair"] == pytest.approx(0.65)
    assert oc["note"] is None
    assert "fair_upper" not in res["auroc-gap-sex"].details


def test_operating_characteristics_flag_a_gate_that_cannot_pass() -> None:
    oc = operating_characteristics({"fair_upper": [0.2] * 19}, Limit("<=", 0.05), "conservative")
    assert oc is not None and oc["p_pass_if_fair"] == 0.0 and "rarely pass" in oc["note"]
    assert (
        operating_characteristics({"fair_upper": [0.2] * 19}, Limit(">=", 0.05), "conservative")
        is None
    )
    assert operating_characteristics({}, Limit("<=", 0.05), "conservative") is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"statistic": "difference", "group": "a"}, "needs `group` and a different `reference`"),
        ({"statistic": "difference", "group": "a", "reference": "a"}, "different `reference`"),
        ({"statistic": "gap", "estimator": "debiased"}, "applies to `metric: ece`"),
    ],
)
def test_gate_spec_rejects_incomplete_statistics(fields, message) -> None:
    with pytest.raises(ValidationError, match=message):
        MetricGate.model_validate(
            {"id": "g", "metric": "ece", "across": ["site"], "max": 0.1, **fields}
        )


def test_a_gate_a_fair_model_cannot_pass_is_a_located_warning(project: Path) -> None:
    m = _measured()
    m["attributes"]["sex"]["aggregates"]["auroc"]["gap"]["fair_upper"] = [0.3] * 19
    res, report = gates_by_id(project, EvalOutcome(EVAL, m, threshold=0.5))
    assert res["auroc-gap-sex"].details["operating_characteristics"]["p_pass_if_fair"] == 0.0
    (diag,) = [d for d in report.diagnostics if d.code == "FG511"]
    assert diag.severity == "warning" and "auroc-gap-sex" in diag.message
    src = res["auroc-gap-sex"].source
    assert (diag.file, diag.line) == (src["file"], src["line"])
