"""FG540: `fairgov validate` warns when the declared test split is too small for a gap gate to
pass a truly fair model (simulated by the plan engine at the split's own shape, cached)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairgov.cli.main import main
from fairgov.gates.planning import Declared, PlanSettings, fair_upper_at
from fairgov.metrics import BootstrapConfig
from fairgov.metrics.simultaneous import p_pass as np_p_pass
from fairgov.pipeline import feasibility
from fairgov.validate import compile_project


def test_small_split_warns_at_the_gate_position(project: Path) -> None:
    cp = compile_project(project)
    diags = feasibility.feasibility_diagnostics(cp)
    assert [d.check_tuple() for d in diags] == [
        ("FG540", 23, 5),
        ("FG540", 29, 5),
        ("FG540", 41, 5),
    ]
    assert all(d.severity == "warning" and d.file == "policy.yaml" for d in diags)
    assert "smallest group 'river': 57 patients" in diags[1].message


def test_a_limit_a_fair_model_meets_gives_no_warning_and_reuses_the_cache(
    project, monkeypatch
) -> None:
    feasibility.feasibility_diagnostics(compile_project(project))  # fills the cache
    policy = project / "policy.yaml"
    policy.write_text(
        policy.read_text().replace(
            "statistic: gap\n    max: 0.10\n", "statistic: gap\n    max: 0.60\n"
        )
    )

    def no_simulation(*args, **kwargs):
        raise AssertionError("the cached quantiles should have served")

    monkeypatch.setattr(feasibility, "_compute", no_simulation)
    diags = feasibility.feasibility_diagnostics(compile_project(project))
    assert [d.check_tuple() for d in diags] == [("FG540", 41, 5)]  # eo-sex (0.15) still cannot pass


def test_cli_prints_the_warning_and_strict_fails(project: Path, capsys) -> None:
    assert main(["validate", str(project)]) == 0
    out = capsys.readouterr().out
    assert "policy.yaml:29:5: FG540 warning: gate 'auroc-gap-site'" in out
    assert main(["validate", str(project), "--strict"]) == 1


def test_declared_split_counts_the_test_patients_of_the_manifest(project: Path) -> None:
    cp = compile_project(project)
    ev = cp.model("evaluation/cxr-demo-probe")
    ds = cp.model(ev.dataset)
    got = feasibility.declared_split(project / ds.manifest.path, ds, ev, "site")
    frame = pd.read_csv(project / ds.manifest.path, dtype=str)
    test = frame[frame.split == "test"]
    assert got.patients == test.groupby("site").patient_id.nunique().to_dict()
    per_patient = test.groupby("patient_id").finding.apply(lambda s: (s == "1").any())
    assert got.prevalence == pytest.approx(per_patient.mean())
    assert got.images == round(len(test) / test.patient_id.nunique())


def test_fair_upper_at_a_large_split_lets_a_fair_model_pass() -> None:
    st = PlanSettings(bootstrap=BootstrapConfig(resamples=100, seed=3))
    small = fair_upper_at(Declared({"a": 60, "b": 60}, 0.3, 1), ["auroc"], st)["auroc"]
    large = fair_upper_at(Declared({"a": 1500, "b": 1500}, 0.3, 1), ["auroc"], st)["auroc"]
    assert feasibility.p_pass(small, 0.10) < 0.05 < 0.95 < feasibility.p_pass(large, 0.10)
    assert max(large) < min(small)


@pytest.mark.parametrize("seed", range(5))
def test_plain_p_pass_is_the_numpy_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    q = np.sort(rng.uniform(0, 0.3, 19)).tolist()
    for limit in [*rng.uniform(-0.05, 0.35, 20).tolist(), q[0], q[-1], q[7]]:
        assert feasibility.p_pass(q, limit) == pytest.approx(np_p_pass(q, limit), abs=1e-12)


def test_a_split_that_cannot_be_simulated_gives_no_warning_and_no_traceback(project: Path) -> None:
    manifest = project / "data/manifest.csv"
    manifest.write_text(manifest.read_text().replace(",test,", ",train,"))  # no test rows at all
    assert feasibility.feasibility_diagnostics(compile_project(project)) == []
    manifest.write_text("image,patient_id\n")  # columns gone: validate reports them (FG307)
    cp = compile_project(project)
    assert any(d.code == "FG307" for d in cp.diagnostics)
    assert feasibility.feasibility_diagnostics(cp) == []
