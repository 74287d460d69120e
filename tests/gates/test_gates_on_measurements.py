"""Gates applied to real measurements (fairgov.metrics on synthetic data), not hand-made dicts:
the number a gate compares is the one the metrics layer computed, on the side its limit names."""

from __future__ import annotations

from pathlib import Path

from measured import measure_result
from test_gate_engine import EVAL, gates_by_id

from fairgov.gates import EvalOutcome
from fairgov.gates.compare import Limit, decide_limit
from fairgov.reasons import Reason


def test_gap_and_worst_gates_compare_the_measured_bounds(project: Path) -> None:
    result = measure_result()
    res, _ = gates_by_id(project, EvalOutcome(EVAL, result.typed(), threshold=0.5))
    gap = result.attributes["site"].aggregates["auroc"]["gap"]  # type: ignore[index]
    gate = res["auroc-gap-site"]  # max 0.10: the upper bound is compared
    assert (gate.value, gate.ci_low, gate.ci_high) == (gap.value, gap.ci_low, gap.ci_high)
    assert gate.limit == Limit("<=", 0.10) and gate.compared == gap.ci_high
    assert (
        gate.outcome
        == decide_limit(
            gap.value, gap.ci_low, gap.ci_high, Limit("<=", 0.10), "conservative"
        ).outcome
    )
    worst = result.attributes["age_band"].aggregates["tpr"]["worst"]  # type: ignore[index]
    gate = res["tpr-worst-age"]  # min 0.60: the lower bound is compared
    assert gate.compared == worst.ci_low and gate.details["group"] == worst.group
    assert (
        gate.outcome
        == decide_limit(
            worst.value, worst.ci_low, worst.ci_high, Limit(">=", 0.60), "conservative"
        ).outcome
    )


def test_a_degraded_site_fails_the_site_gap_gate_with_coded_reasons(project: Path) -> None:
    fair, unfair = measure_result(), measure_result(river_shift=1.5)
    res_fair, _ = gates_by_id(project, EvalOutcome(EVAL, fair.typed(), threshold=0.5))
    res_unfair, _ = gates_by_id(project, EvalOutcome(EVAL, unfair.typed(), threshold=0.5))
    assert res_unfair["auroc-gap-site"].value > res_fair["auroc-gap-site"].value
    gate = res_unfair["auroc-gap-site"]
    assert gate.status == "fail" and gate.blocking
    assert (
        gate.reasons == (Reason("interval-violates"),)
        and gate.reason == "whole interval violates the limit"
    )
    assert gate.to_dict()["reasons"] == [
        {"code": "interval-violates", "params": {}, "text": gate.reason}
    ]


def test_a_thin_age_band_makes_the_age_gate_inconclusive_naming_the_cell(project: Path) -> None:
    result = measure_result(thin_80=True)
    cell = result.attributes["age_band"].groups["80+"]
    assert cell.n_pos == 4 and cell.metrics["tpr"].value is None
    res, _ = gates_by_id(project, EvalOutcome(EVAL, result.typed(), threshold=0.5))
    gate = res["tpr-worst-age"]
    assert gate.status == "inconclusive" and gate.blocking
    (reason,) = gate.reasons
    assert reason.code == "evidence-too-thin"
    (thin,) = reason.params["cells"]
    assert thin == Reason("thin-cell", {"group": "80+", "reason": cell.metrics["tpr"].reasons})
    assert thin.text == "80+: undefined: 4 positives < minimum 10" == f"80+: {cell.evidence_reason}"
    assert gate.reason == f"evidence too thin: 80+: {cell.metrics['tpr'].reason}"
    assert "4 positives < minimum 10" in gate.reason


def test_gate_record_round_trips_through_its_reason_codes(project: Path) -> None:
    res, _ = gates_by_id(project, EvalOutcome(EVAL, measure_result().typed(), threshold=0.5))
    for gate in res.values():
        record = gate.to_dict()
        assert [Reason.from_dict(r) for r in record["reasons"]] == list(gate.reasons)
        assert record["op"] == (gate.limit.op if gate.limit else None)
        assert record["threshold"] == (gate.limit.value if gate.limit else None)
