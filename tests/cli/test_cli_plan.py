"""`fairgov plan`: sample sizes by simulation through the real gates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairgov.cli.main import main
from fairgov.gates.planning import PlanSettings, plan_attribute
from fairgov.metrics import BootstrapConfig
from fairgov.spec.policy import MetricGate


def gate(**kw) -> MetricGate:
    return MetricGate.model_validate(
        {"id": "g", "metric": "auroc", "across": ["sex"], "statistic": "gap", **kw}
    )


def test_plan_finds_the_size_where_fair_models_pass_and_unfair_ones_fail() -> None:
    st = PlanSettings(
        auroc=0.9,
        gap=0.3,
        seeds=6,
        start=50,
        max_patients=400,
        bootstrap=BootstrapConfig(resamples=100),
    )
    loose, tight = gate(id="loose", max=0.2), gate(id="tight", max=0.01)
    plans = plan_attribute("sex", {"f": 0.5, "m": 0.5}, [loose, tight], st)
    by = {p.gate: p for p in plans}
    assert by["loose"].needed("p_pass_fair", 0.8) is not None
    assert by["loose"].needed("p_fail_gap", 0.8) is not None
    assert by["tight"].needed("p_pass_fair", 0.8) is None  # a 0.01 gap limit cannot be shown at 400
    sizes = [r["patients"] for r in by["tight"].rows]
    assert sizes == [50, 100, 200, 400]
    assert all(0 <= r["p_pass_fair"] <= 1 for p in plans for r in p.rows)


def test_plan_command_json_on_the_fixture_project(project: Path, capsys) -> None:
    rc = main(
        [
            "plan",
            str(project),
            "--json",
            "--seeds",
            "2",
            "--resamples",
            "50",
            "--max-patients",
            "50",
            "--shares",
            "sex:female=0.6,male=0.4",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    sex = [g for g in out["gates"] if g["attribute"] == "sex"]
    assert sex and sex[0]["shares"] == pytest.approx({"female": 0.6, "male": 0.4})
    assert all(g["rows"][0]["patients"] == 50 for g in out["gates"])
    # the fixture's AUROC gap limits are 0.10: the default planted gap 0.1 does not exceed them
    gap_gates = [g for g in out["gates"] if g["gate"].startswith("auroc-gap")]
    assert gap_gates and all(g["fail_gap"] is None and g["fail_gap_note"] for g in gap_gates)


def test_plan_rejects_bad_shares_with_a_code(project: Path, capsys) -> None:
    rc = main(["plan", str(project), "--shares", "sex:female"])
    assert rc == 2 and "FG510" in capsys.readouterr().out


def test_the_gap_model_plants_the_gap_in_the_gated_metric() -> None:
    """The unfair scenario's smallest group is worse by `gap` in the gate's own metric, checked
    on a large simulated sample against scikit-learn (and the closed-form truth)."""
    from sklearn.metrics import confusion_matrix, roc_auc_score

    from fairgov.gates.planning import _scenario
    from fairgov.metrics.simulate import simulate, true_ece, true_rate

    st = PlanSettings(auroc=0.85, threshold=0.5)
    shares = {"big": 0.7, "small": 0.3}
    fair = _scenario(shares, 20_000, st, 0.0)
    for kind, gap in (("tpr", 0.1), ("fpr", 0.08), ("ece", 0.05), ("auroc", 0.1)):
        sc = _scenario(shares, 20_000, st, gap, kind)
        d = simulate(sc, 1)
        small = d["group"] == "small"
        y, s = d["labels"][small], d["scores"][small]
        tn, fp, fn, tp = confusion_matrix(y, s >= 0.5).ravel()
        if kind == "tpr":
            assert true_rate(sc, 1, "tpr", 0.5) == pytest.approx(
                true_rate(fair, 1, "tpr", 0.5) - gap, abs=1e-9
            )
            assert tp / (tp + fn) == pytest.approx(true_rate(fair, 1, "tpr", 0.5) - gap, abs=0.02)
        if kind == "fpr":
            assert fp / (fp + tn) == pytest.approx(true_rate(fair, 1, "fpr", 0.5) + gap, abs=0.02)
        if kind == "ece":
            assert true_ece(sc, 1) == pytest.approx(gap, abs=0.003) and true_ece(fair, 1) < 1e-9
        if kind == "auroc":
            assert roc_auc_score(y, s) == pytest.approx(0.85 - gap, abs=0.02)
        else:  # an offset leaves discrimination alone
            assert roc_auc_score(y, s) == pytest.approx(0.85, abs=0.02)
        big = d["group"] == "big"
        assert roc_auc_score(d["labels"][big], d["scores"][big]) == pytest.approx(0.85, abs=0.02)


def test_plan_fails_tpr_and_ece_gates_on_their_own_planted_gaps() -> None:
    st = PlanSettings(
        auroc=0.85,
        gap=0.25,
        seeds=4,
        start=400,
        max_patients=400,
        bootstrap=BootstrapConfig(resamples=100),
    )
    tpr = gate(id="tpr", metric="tpr", max=0.05)
    ece = gate(
        id="ece", metric="ece", statistic="worst", max=0.10
    )  # plug-in ECE is biased ~0.04 here
    plans = {p.gate: p for p in plan_attribute("sex", {"f": 0.5, "m": 0.5}, [tpr, ece], st)}
    assert (plans["tpr"].planted, plans["ece"].planted) == ("tpr", "ece")
    assert plans["tpr"].rows[0]["p_fail_gap"] >= 0.75 and plans["ece"].rows[0]["p_fail_gap"] >= 0.75
    assert (
        plans["ece"].rows[0]["p_pass_fair"] >= 0.75
    )  # the fair model is calibrated: its ECE gate passes
