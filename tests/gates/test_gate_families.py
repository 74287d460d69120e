"""Gates on families of signed differences, on real measurements: a group against the rest,
every group against a reference (`group: each`), and `multiplicity: holm` per-pair gap tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from measured import measure_result
from pydantic import ValidationError
from scipy.stats import norm
from test_gate_engine import EVAL, gates_by_id

from fairgov.gates import EvalOutcome
from fairgov.gates.pairwise import holm_decision
from fairgov.metrics import holm
from fairgov.results.model import Difference
from fairgov.spec.policy import MetricGate

EXTRA = """gates:
  - id: tpr-river-vs-rest
    metric: tpr
    across: [site]
    statistic: difference
    group: river
    reference: rest
    min: -0.15
  - id: auroc-each-vs-north
    metric: auroc
    across: [site]
    statistic: difference
    group: each
    reference: north
    min: -0.10
  - id: auroc-each-vs-rest
    metric: auroc
    across: [site]
    statistic: difference
    group: each
    reference: rest
    min: -0.10
  - id: auroc-gap-site-holm
    metric: auroc
    across: [site]
    statistic: gap
    multiplicity: holm
    max: 0.10
"""


def _gates(project: Path, edit, shift: float):
    edit(project / "policy.yaml", "gates:\n", EXTRA)
    result = measure_result(river_shift=shift)
    res, _ = gates_by_id(project, EvalOutcome(EVAL, result.typed(), threshold=0.5))
    return res, result.attributes["site"].aggregates


def test_a_group_against_the_rest_reads_its_versus_rest_difference(project: Path, edit) -> None:
    res, aggs = _gates(project, edit, 0.0)
    (river,) = [d for d in aggs["tpr"]["gap"].versus_rest if d.group == "river"]
    gate = res["tpr-river-vs-rest"]
    assert (gate.value, gate.ci_low, gate.ci_high) == (river.value, river.ci_low, river.ci_high)
    assert gate.compared == river.ci_low and gate.details["reference"] == "rest"
    assert res["auroc-each-vs-north"].title == "auroc difference each − north across site ≥ -0.1"


def test_each_group_against_a_reference_compares_the_extreme_with_simultaneous_bounds(
    project: Path, edit
) -> None:
    res, aggs = _gates(project, edit, 1.5)
    pairs = {(d.group, d.reference): d for d in aggs["auroc"]["gap"].differences}
    family = {}
    for g in ("central", "river"):
        d = pairs.get((g, "north"))
        family[g] = (
            (d.value, d.sim_low)
            if d
            else (-pairs[("north", g)].value, -pairs[("north", g)].sim_high)
        )
    gate = res["auroc-each-vs-north"]
    assert gate.value == min(v for v, _ in family.values()) and gate.details["group"] == "river"
    assert gate.ci_low == min(lo for _, lo in family.values())
    assert {r["group"] for r in gate.details["family"]} == {"central", "river"}
    assert gate.outcome == "fail"  # the degraded river site is far below north
    rest = res["auroc-each-vs-rest"]
    assert (
        rest.value == min(d.value for d in aggs["auroc"]["gap"].versus_rest)
        and rest.outcome == "fail"
    )


def test_each_against_the_rest_does_not_fail_a_fair_model(project: Path, edit) -> None:
    res, _ = _gates(project, edit, 0.0)
    assert (
        res["auroc-each-vs-rest"].outcome != "fail" and res["auroc-each-vs-north"].outcome != "fail"
    )


def test_holm_gap_gate_fails_a_degraded_site_with_adjusted_per_pair_tests(
    project: Path, edit
) -> None:
    res, aggs = _gates(project, edit, 1.5)
    gate = res["auroc-gap-site-holm"]
    assert gate.outcome == "fail" and gate.reasons[0].code == "holm-pair-exceeds"
    diffs = aggs["auroc"]["gap"].differences
    raw = [float(norm.sf((abs(d.value) - 0.10) / d.se)) for d in diffs]
    pairs = gate.details["pairs"]
    assert [p["p"] for p in pairs] == pytest.approx(raw, abs=1e-12)
    assert [p["p_adjusted"] for p in pairs] == pytest.approx(holm(raw), abs=1e-12)
    assert (
        gate.details["multiplicity"] == "holm" and "operating_characteristics" not in gate.details
    )


def _d(value: float, se: float) -> Difference:
    return Difference(
        group="a",
        reference="b",
        value=value,
        ci_low=None,
        ci_high=None,
        sim_low=None,
        sim_high=None,
        se=se,
    )


def test_holm_decision_passes_fails_and_withholds() -> None:
    assert holm_decision([_d(0.01, 0.01), _d(-0.02, 0.01)], 0.10, 0.95)[0] == "pass"
    outcome, compared, reasons, _ = holm_decision([_d(0.01, 0.01), _d(0.30, 0.02)], 0.10, 0.95)
    assert outcome == "fail" and compared == pytest.approx(0.30 + norm.ppf(0.975) * 0.02)
    assert holm_decision([_d(0.08, 0.03), _d(0.0, 0.01)], 0.10, 0.95)[0] == "inconclusive"
    assert holm_decision([_d(0.01, None)], 0.10, 0.95)[0] == "inconclusive"  # type: ignore[arg-type]
    # one pair at p = 0.02 fails alone, but not among three (Holm: 3 x 0.02 > 0.025)
    just = 0.10 + norm.isf(0.02) * 0.01
    assert holm_decision([_d(just, 0.01)], 0.10, 0.95)[0] == "fail"
    assert (
        holm_decision([_d(just, 0.01), _d(0.0, 0.05), _d(0.0, 0.05)], 0.10, 0.95)[0]
        == "inconclusive"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"statistic": "gap", "reference": "rest"}, "belong to `statistic: difference`"),
        ({"statistic": "gap", "group": "each"}, "belong to `statistic: difference`"),
        ({"statistic": "worst", "multiplicity": "holm"}, "applies to `statistic: gap`"),
        (
            {"metric": "equalized_odds", "statistic": "gap", "multiplicity": "holm"},
            "per-group metric",
        ),
        (
            {"statistic": "difference", "group": "each", "reference": "each"},
            "different `reference`",
        ),
    ],
)
def test_gate_spec_rejects_misplaced_family_fields(fields, message) -> None:
    with pytest.raises(ValidationError, match=message):
        MetricGate.model_validate(
            {"id": "g", "metric": "auroc", "across": ["site"], "max": 0.1, **fields}
        )
