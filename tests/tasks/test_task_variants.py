"""group_thresholds variants per endpoint of a multilabel evaluation (fairgov.pipeline
.task_variants) against the binary fit on that endpoint's scores and scikit-learn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import recall_score
from task_project import FINDINGS, write_project

from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.tasks import label_column, score_column
from fairgov.mitigate import fit_group_thresholds
from fairgov.mitigate.compare import Statistic
from fairgov.pipeline.predictions import predictions_table
from fairgov.pipeline.task_variants import endpoint_variants
from fairgov.pipeline.tasks import measure_task, multi_task
from fairgov.pipeline.variants import VariantFailure
from fairgov.spec.mitigation import GroupThresholds, Reweight
from fairgov.validate import compile_project

SITES = ("central", "north", "river")


@pytest.fixture(scope="module")
def findings(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = write_project(Path(tmp_path_factory.mktemp("task-variants")))
    cp = compile_project(project)
    entry = cp.get("evaluation/cxr-findings")
    ev = entry.model
    ds_entry = cp.get(ev.dataset)
    table, _, _ = predictions_table(
        cp, ev, ds_entry, cp.model(ev.model), {}, None, HashIndex(None)
    )
    task = multi_task(ds_entry.model, ev)
    labels = measure_task(table, ds_entry.model, ev, task)["labels"]
    return ev, ds_entry.model, task, table, labels


def _mitigation(objective: str = "equal_opportunity", value: float | None = None):  # type: ignore[no-untyped-def]
    return GroupThresholds(
        id="site-thresholds",
        type="group_thresholds",
        by=["site"],
        objective=objective,
        value=value,
    )


STATS = [Statistic("auroc", None, "overall")] + [
    Statistic("tpr", "site", "group", s) for s in SITES
]


@pytest.mark.parametrize(
    ("objective", "value"), [("equal_opportunity", None), ("target_sensitivity", 0.8)]
)
def test_each_endpoint_gets_the_binary_thresholds_of_its_own_scores(
    findings, objective: str, value: float | None
) -> None:
    ev, ds, task, table, labels = findings
    m = _mitigation(objective, value)
    out = endpoint_variants(ev, ds, task, table, labels, [m], STATS)
    assert sorted(out) == sorted(FINDINGS)
    val = table[table["split"] == "validation"]
    fitted = []
    for name in FINDINGS:
        var = out[name]["variants"]["site-thresholds"]
        assert var["status"] == "ok" and var["mitigation"]["stage"] == "decision"
        ref = fit_group_thresholds(
            val[score_column(name)].to_numpy(float),
            val[label_column(name)].to_numpy(int),
            val["site"].astype(str).to_numpy(),
            objective,
            value=value,
            by="site",
        )
        assert var["threshold"]["groups"] == ref.to_json()
        fitted.append(ref.thresholds)
    assert fitted[0] != fitted[1]  # each endpoint is fitted on its own scores


def test_per_group_tpr_after_thresholds_is_sklearn_recall(findings) -> None:
    ev, ds, task, table, labels = findings
    out = endpoint_variants(ev, ds, task, table, labels, [_mitigation()], STATS)
    test = table[table["split"] == "test"]
    for name in FINDINGS:
        var = out[name]["variants"]["site-thresholds"]
        thr = var["threshold"]["groups"]["thresholds"]
        s = test[score_column(name)].to_numpy(float)
        g = test["site"].astype(str).to_numpy()
        y = test[label_column(name)].to_numpy(int)
        flags = np.array([x >= thr[k] for x, k in zip(s, g, strict=True)])
        for site in SITES:
            rows = g == site
            got = var["measure"]["attributes"]["site"]["groups"][site]["metrics"]["tpr"]
            assert got["value"] == pytest.approx(recall_score(y[rows], flags[rows]))


def test_the_paired_comparison_uses_the_endpoint_baseline_threshold(findings) -> None:
    ev, ds, task, table, labels = findings
    out = endpoint_variants(ev, ds, task, table, labels, [_mitigation()], STATS)
    test = table[table["split"] == "test"]
    for name in FINDINGS:
        [cmp] = out[name]["comparisons"]
        assert cmp["status"] == "ok" and cmp["candidate"] == "site-thresholds"
        rows = {r["key"]: r for r in cmp["rows"]}
        assert rows["auroc.overall"]["difference"] == 0.0
        y = test[label_column(name)].to_numpy(int)
        base = test[score_column(name)].to_numpy(float) >= labels[name]["threshold"]["value"]
        var = out[name]["variants"]["site-thresholds"]["measure"]["attributes"]["site"]["groups"]
        for site in SITES:
            m = (test["site"].astype(str) == site).to_numpy()
            r = rows[f"tpr.group.site[{site}]"]
            assert r["baseline"] == pytest.approx(recall_score(y[m], base[m]))
            assert r["candidate"] == pytest.approx(var[site]["metrics"]["tpr"]["value"])
            assert r["difference"] == pytest.approx(r["candidate"] - r["baseline"])


def test_a_refitting_mitigation_is_refused_per_endpoint(findings) -> None:
    ev, ds, task, table, labels = findings
    m = Reweight(id="site-reweight", type="reweight", by=["site"])
    with pytest.raises(VariantFailure) as info:
        endpoint_variants(ev, ds, task, table, labels, [m], STATS)
    assert info.value.code == "FG323" and "reweight" in str(info.value)
