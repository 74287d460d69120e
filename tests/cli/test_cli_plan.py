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
    st = PlanSettings(auroc=0.9, gap=0.3, seeds=6, start=50, max_patients=400,
                      bootstrap=BootstrapConfig(resamples=100))
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
