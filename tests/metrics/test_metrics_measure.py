"""measure(): output shape, undefined paths, unknown group, determinism, input errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from fairgov.metrics import (
    METRICS,
    BootstrapConfig,
    MetricsInputError,
    MinEvidence,
    measure,
)

NO_EVIDENCE_RULE = MinEvidence(0, 0, 0)


def dataset(seed=0, patients=300, per_patient=2):
    rng = np.random.default_rng(seed)
    n = patients * per_patient
    patient = np.repeat(np.arange(patients), per_patient)
    sex = np.array(["female", "male", None], dtype=object)[
        rng.choice(3, patients, p=[0.47, 0.47, 0.06])
    ]
    y = np.repeat(rng.random(patients) < 0.35, per_patient).astype(int)
    logit = (
        1.6 * y - 0.8 + np.repeat(rng.normal(0, 0.5, patients), per_patient) + rng.normal(0, 1, n)
    )
    s = np.round(1 / (1 + np.exp(-logit)), 3)
    return y, s, patient, sex[patient]


def walk(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)
    else:
        yield obj


@pytest.fixture(scope="module")
def result():
    y, s, p, sex = dataset()
    return measure(
        y,
        s,
        p,
        {"sex": sex},
        0.4,
        bootstrap=BootstrapConfig(resamples=200, seed=3),
        min_evidence=MinEvidence(0, 10, 10),
        permutations=49,
    )


def test_to_dict_shape_is_json_safe(result):
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in walk(d))
    assert d["threshold"] == 0.4 and d["n"] == 600 and d["n_clusters"] == 300
    assert d["bootstrap"] == {
        "resamples": 200,
        "level": 0.95,
        "seed": 3,
        "stratified": True,
        "min_stratum_clusters": 5,
        "method": "cluster-stratified-bca",
        "interval": "bca",
    }
    assert d["min_evidence"] == {"n": 0, "positives": 10, "negatives": 10}
    assert set(d["overall"]["metrics"]) == set(METRICS)
    assert set(d["overall"]["metrics"]["auroc"]) == {"value", "ci_low", "ci_high", "reason"}
    sex = d["attributes"]["sex"]
    assert list(sex["groups"]) == ["female", "male", "unknown"]
    assert set(sex["groups"]["female"]) == {
        "n",
        "n_pos",
        "n_neg",
        "n_clusters",
        "evidence_reason",
        "metrics",
    }
    assert set(sex["aggregates"]) == set(METRICS) | {
        "equalized_odds",
        "equalized_odds_mean",
        "equal_opportunity",
    }
    gap = sex["aggregates"]["auroc"]["gap"]
    assert set(gap) == {"value", "ci_low", "ci_high", "reason", "p_value", "group", "included",
                        "interval", "fair_upper", "differences"}
    assert gap["included"] == ["female", "male"]  # unknown reported, not aggregated
    assert 0 < gap["p_value"] <= 1 and gap["p_value"] * 50 == pytest.approx(
        round(gap["p_value"] * 50)
    )
    assert sex["aggregates"]["auroc"]["worst"]["group"] in ("female", "male")
    cal = d["calibration"]
    assert len(cal["overall"]) == 10 and cal["overall"][-1]["bin_high"] == 1.0
    assert sum(b["n"] for b in cal["attributes"]["sex"]["female"]) == sex["groups"]["female"]["n"]


def test_point_estimates_and_intervals(result):
    y, s, p, sex = dataset()
    m = sex == "female"
    cell = result.attributes["sex"].groups["female"]
    auc = cell.metrics["auroc"]
    assert auc.value == pytest.approx(roc_auc_score(y[m], s[m]), abs=1e-12)
    assert auc.ci_low < auc.value < auc.ci_high
    assert cell.n == m.sum() and cell.n_pos == y[m].sum() and cell.n_clusters == len(set(p[m]))


def test_unknown_group_aggregation_is_configurable():
    y, s, p, sex = dataset(1)
    kw = {
        "bootstrap": BootstrapConfig(resamples=0),
        "permutations": 0,
        "min_evidence": NO_EVIDENCE_RULE,
    }
    default = measure(y, s, p, {"sex": sex}, 0.5, **kw)
    both = measure(y, s, p, {"sex": sex}, 0.5, aggregate_unknown=True, **kw)
    assert default.attributes["sex"].aggregates["auroc"]["gap"].included == ("female", "male")
    assert both.attributes["sex"].aggregates["auroc"]["gap"].included == (
        "female",
        "male",
        "unknown",
    )
    empty = measure(y, s, p, {"sex": np.where(sex == None, "female", sex)}, 0.5, **kw)  # noqa: E711
    unknown = empty.attributes["sex"].groups["unknown"]
    assert unknown.n == 0 and unknown.metrics["auroc"].reason == "undefined: empty group"


def test_undefined_paths_have_reasons():
    y, s, p, sex = dataset(2)
    grp = np.where(np.arange(y.size) < 10, "tiny", "big").astype(object)
    y = y.copy()
    y[:10] = 0  # tiny group: no positives
    kw = {"bootstrap": BootstrapConfig(resamples=50), "permutations": 0}
    res = measure(y, s, p, {"g": grp}, 0.5, min_evidence=NO_EVIDENCE_RULE, **kw)
    tiny = res.attributes["g"].groups["tiny"]
    assert (
        tiny.metrics["auroc"].value is None
        and tiny.metrics["auroc"].reason == "undefined: no positives"
    )
    assert tiny.metrics["tpr"].reason == "undefined: no positives"
    assert tiny.metrics["tnr"].value is not None
    res = measure(y, s, p, {"g": grp}, 0.5, min_evidence=MinEvidence(0, 20, 20), **kw)
    tiny = res.attributes["g"].groups["tiny"]
    assert tiny.evidence_reason == "undefined: 0 positives < minimum 20; 10 negatives < minimum 20"
    assert all(v.value is None and v.reason == tiny.evidence_reason for v in tiny.metrics.values())
    y[:10] = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    res = measure(y, s, p, {"g": grp}, 0.5, min_evidence=MinEvidence(0, 20, 5), **kw)
    assert (
        res.attributes["g"].groups["tiny"].metrics["ppv"].reason
        == "undefined: 3 positives < minimum 20"
    )
    res = measure(y, s, p, {"g": grp}, 1.01, min_evidence=NO_EVIDENCE_RULE, **kw)
    ppv = res.overall.metrics["ppv"]
    assert ppv.value is None and ppv.reason == "undefined: no predicted positives at threshold 1.01"


def test_same_seed_bit_identical_and_seeds_differ():
    y, s, p, sex = dataset(4)
    kw = {"permutations": 19, "min_evidence": NO_EVIDENCE_RULE}
    a = measure(y, s, p, {"sex": sex}, 0.5, bootstrap=BootstrapConfig(resamples=120, seed=7), **kw)
    b = measure(y, s, p, {"sex": sex}, 0.5, bootstrap=BootstrapConfig(resamples=120, seed=7), **kw)
    c = measure(y, s, p, {"sex": sex}, 0.5, bootstrap=BootstrapConfig(resamples=120, seed=8), **kw)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()
    assert a.overall.metrics["auroc"].value == c.overall.metrics["auroc"].value
    assert a.overall.metrics["auroc"].ci_low != c.overall.metrics["auroc"].ci_low


def test_memory_budget_does_not_change_results():
    y, s, p, sex = dataset(5)
    kw = {"permutations": 0, "min_evidence": NO_EVIDENCE_RULE}
    big = measure(y, s, p, {"sex": sex}, 0.5, bootstrap=BootstrapConfig(resamples=100), **kw)
    small = measure(
        y,
        s,
        p,
        {"sex": sex},
        0.5,
        bootstrap=BootstrapConfig(resamples=100, max_memory_mb=0.01),
        **kw,
    )
    assert big.to_dict() == small.to_dict()


def test_cluster_bootstrap_is_wider_than_row_bootstrap_for_clustered_data():
    rng = np.random.default_rng(9)
    patients, k = 150, 6
    p = np.repeat(np.arange(patients), k)
    y = np.repeat(rng.random(patients) < 0.4, k).astype(int)
    s = 1 / (
        1
        + np.exp(
            -(1.0 * y + np.repeat(rng.normal(0, 1.5, patients), k) + rng.normal(0, 0.2, p.size))
        )
    )
    kw = {"permutations": 0, "bootstrap": BootstrapConfig(resamples=300), "metrics": ["auroc"]}
    clustered = measure(y, s, p, {}, 0.5, **kw).overall.metrics["auroc"]
    rows = measure(y, s, np.arange(p.size), {}, 0.5, **kw).overall.metrics["auroc"]
    assert clustered.ci_high - clustered.ci_low > 1.5 * (rows.ci_high - rows.ci_low)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"labels": [0, 2, 1]}, "labels must be 0/1"),
        ({"scores": [0.1, 1.2, 0.3]}, r"scores must be finite probabilities"),
        ({"scores": [0.1, float("nan"), 0.3]}, "scores must be finite"),
        ({"clusters": [1, 2]}, "clusters has shape"),
        ({"clusters": [1.0, float("nan"), 2.0]}, "must not be missing"),
        ({"groups": {"g": ["a", "b"]}}, r"groups\['g'\] has shape"),
        ({"metrics": ["auroc", "f1"]}, "unknown metrics"),
        ({"ece_bins": 0}, "ece_bins"),
        ({"permutations": -1}, "permutations"),
    ],
)
def test_input_errors(kwargs, match):
    args = {
        "labels": [0, 1, 1],
        "scores": [0.1, 0.8, 0.3],
        "clusters": [1, 2, 3],
        "groups": {},
        "threshold": 0.5,
    }
    args.update(kwargs)
    with pytest.raises(MetricsInputError, match=match):
        measure(**args)


def test_metric_subset_and_string_clusters():
    y, s, p, sex = dataset(6)
    res = measure(
        y,
        s,
        [f"patient-{i}" for i in p],
        {"sex": sex},
        0.5,
        metrics=["auroc", "ece"],
        bootstrap=BootstrapConfig(resamples=30),
        permutations=9,
    )
    assert set(res.overall.metrics) == {"auroc", "ece"}
    assert set(res.attributes["sex"].aggregates) == {
        "auroc",
        "ece",
        "equalized_odds",
        "equalized_odds_mean",
        "equal_opportunity",
    }
    assert res.n_clusters == 300


def test_strata_keep_group_label_counts_and_pool_small_strata():
    from fairgov.metrics.bootstrap import cluster_strata, contiguous_codes, resample_counts

    clusters = np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    labels = np.array([1, 0, 0, 1, 0, 0, 1, 0, 1, 0])
    group = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])  # cluster 0 mixed labels -> positive
    strata = cluster_strata(clusters, 9, labels, [group], min_size=1)
    assert [m.tolist() for m in strata] == [[0, 2], [1, 3, 4], [5, 7], [6], [8]]
    pooled = cluster_strata(clusters, 9, labels, [group], min_size=2)
    assert [m.tolist() for m in pooled] == [[0, 2], [1, 3, 4], [5, 7], [6, 8]]
    cfg = BootstrapConfig(resamples=60)
    new = contiguous_codes(strata, 9)
    for _, counts in resample_counts(cfg, [m.size for m in strata], 50):
        for m in strata:  # every resample keeps the number of clusters of each stratum
            assert (counts[new[m]].sum(axis=0) == m.size).all()
