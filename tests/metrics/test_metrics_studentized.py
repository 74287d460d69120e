"""The studentized (bootstrap-t) interval and its per-resample standard errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from fairgov.gates.study import Settings, study
from fairgov.metrics import BootstrapConfig, MinEvidence, measure
from fairgov.metrics.intervals import compute
from fairgov.metrics.layout import build_layout
from fairgov.metrics.simulate import Scenario
from fairgov.metrics.stderr import StandardErrors


def _data(n_patients: int, seed: int, images: int = 2):
    rng = np.random.default_rng(seed)
    y = np.repeat(rng.integers(0, 2, n_patients), images)
    patient = np.repeat(np.arange(n_patients), images)
    s = rng.normal(y * 1.2, 1.0) + np.repeat(rng.normal(0, 0.8, n_patients), images)
    s = np.round(1 / (1 + np.exp(-s)), 2)  # rounding makes ties across labels
    g = np.repeat(rng.integers(0, 2, n_patients), images)
    return y, s, patient, g


def _errors(y, s, cl, g, ncl, weights, metrics=("auroc", "tpr", "fpr", "ppv")):
    lay = build_layout(y, s, g, 2, cl, ncl, 0.5, 10)
    return StandardErrors(lay, frozenset(metrics))(weights)


def _delong_cluster(y, s, cl):
    """Cluster DeLong SE written out directly: psi_c from every positive's and negative's
    placement, summed over the cluster's rows."""
    pos, neg = s[y == 1], s[y == 0]
    auc = roc_auc_score(y, s)
    v10 = np.array([(neg < x).mean() + 0.5 * (neg == x).mean() for x in pos])
    v01 = np.array([(pos > x).mean() + 0.5 * (pos == x).mean() for x in neg])
    psi = np.zeros(cl.max() + 1)
    np.add.at(psi, cl[y == 1], (v10 - auc) / pos.size)
    np.add.at(psi, cl[y == 0], (v01 - auc) / neg.size)
    return float(np.sqrt((psi**2).sum()))


def test_auroc_standard_error_is_cluster_delong_with_ties() -> None:
    y, s, cl, g = _data(300, 0)
    se = _errors(y, s, cl, g, 300, np.ones((300, 1)))["auroc"][0]
    for j in range(2):
        m = g == j
        assert se[j] == pytest.approx(_delong_cluster(y[m], s[m], cl[m]), rel=1e-9)
    # one image per patient: the textbook DeLong variance S10/m + S01/n (ddof 0)
    single = _errors(y[::2], s[::2], np.arange(300), g[::2], 300, np.ones((300, 1)))["auroc"][0]
    m = g[::2] == 0
    yy, ss = y[::2][m], s[::2][m]
    pos, neg = ss[yy == 1], ss[yy == 0]
    v10 = np.array([(neg < x).mean() + 0.5 * (neg == x).mean() for x in pos])
    v01 = np.array([(pos > x).mean() + 0.5 * (pos == x).mean() for x in neg])
    assert single[0] == pytest.approx(np.sqrt(v10.var() / pos.size + v01.var() / neg.size))


def test_resample_weights_act_as_replicated_patients() -> None:
    """A resample's standard error is that of the data set holding each patient as often as
    the resample drew it (the per-resample placements are recomputed, not reused)."""
    y, s, cl, g = _data(120, 1)
    w = np.random.default_rng(2).multinomial(120, np.ones(120) / 120, size=3).T.astype(float)
    got = _errors(y, s, cl, g, 120, w)
    for b in range(3):
        reps = np.repeat(np.arange(120), w[:, b].astype(int))  # patients, repeated
        rows = np.concatenate([np.flatnonzero(cl == p) for p in reps])
        new_cl = np.repeat(np.arange(reps.size), [np.sum(cl == p) for p in reps])
        want = _errors(y[rows], s[rows], new_cl, g[rows], reps.size, np.ones((reps.size, 1)))
        for m in got:
            assert got[m][b] == pytest.approx(want[m][0], rel=1e-9), m


def test_rate_standard_errors_are_binomial_without_clusters() -> None:
    y, s, _, g = _data(400, 3, images=1)
    se = _errors(y, s, np.arange(400), g, 400, np.ones((400, 1)))
    for j in range(2):
        m = g == j
        pred = s[m] >= 0.5
        tpr = recall_score(y[m], pred)
        ppv = precision_score(y[m], pred)
        fpr = 1 - recall_score(1 - y[m], ~pred)
        assert se["tpr"][0, j] == pytest.approx(np.sqrt(tpr * (1 - tpr) / y[m].sum()))
        assert se["ppv"][0, j] == pytest.approx(np.sqrt(ppv * (1 - ppv) / pred.sum()))
        assert se["fpr"][0, j] == pytest.approx(np.sqrt(fpr * (1 - fpr) / (1 - y[m]).sum()))


def test_bootstrap_t_of_a_normal_mean_is_the_t_interval() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=30)
    idx = rng.integers(0, x.size, (20000, x.size))
    boot, se_boot = x[idx].mean(axis=1), x[idx].std(axis=1) / np.sqrt(x.size)
    se = x.std() / np.sqrt(x.size)
    low, high, _ = compute(
        "studentized", boot[:, None], np.array([x.mean()]), None, 0.95, 0.99,
        np.array([se]), se_boot[:, None],
    )
    t = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    assert low[0] == pytest.approx(x.mean() - t, abs=0.06 * t)
    assert high[0] == pytest.approx(x.mean() + t, abs=0.06 * t)
    # without standard errors the same call falls back to BCa, not to nonsense
    b_low, b_high, _ = compute("studentized", boot[:, None], np.array([x.mean()]), None, 0.95,
                               0.99)
    ref_low, ref_high, _ = compute("bca", boot[:, None], np.array([x.mean()]), None, 0.95, 0.99)
    assert (b_low[0], b_high[0]) == (ref_low[0], ref_high[0])


def test_measure_records_which_statistics_were_studentized() -> None:
    y, s, cl, g = _data(300, 5)
    r = measure(
        y, s, cl, {"g": g}, 0.5, metrics=["auroc", "tpr", "ece", "brier"],
        bootstrap=BootstrapConfig(resamples=300, interval="studentized"),
        min_evidence=MinEvidence(0, 10, 10), permutations=0,
    ).to_dict()
    assert r["bootstrap"]["interval"] == "studentized"
    assert "bca for every other metric" in r["bootstrap"]["method"]
    aggs = r["attributes"]["g"]["aggregates"]
    assert aggs["auroc"]["gap"]["interval"] == "max-t simultaneous (studentized)"
    assert aggs["auroc"]["ratio"]["interval"] == "bca"
    assert aggs["brier"]["gap"]["interval"] == "max-t simultaneous"  # no SE: bootstrap SD
    for label in ("0", "1"):
        cell = r["attributes"]["g"]["groups"][label]
        for m in ("auroc", "tpr", "ece", "brier"):
            v = cell["metrics"][m]
            assert v["ci_low"] <= v["value"] <= v["ci_high"]
    # the signed difference's SE combines the groups' analytic SEs
    lay_se = _errors(y, s, cl, g, 300, np.ones((300, 1)), ("auroc",))["auroc"][0]
    d = aggs["auroc"]["gap"]["differences"][0]
    assert d["se"] == pytest.approx(np.sqrt((lay_se**2).sum()), rel=1e-9)


def test_quick_study_studentized_intervals_cover() -> None:
    """40 seeds, 150 patients per group: 160 per-group AUROC and TPR intervals. A correct
    95% method covers 0.88-0.99 of them (misses ~ Binomial(160, 0.05)); intervals that
    ignore patient clusters or use the wrong SE scale fall outside this band."""
    res = study(Scenario((150, 150), (0.8, 0.8)), range(40), Settings("studentized", 200, 0),
                0.05)
    pooled = (res["auroc_cover"] + res["tpr_cover"]) / 2
    assert 0.88 <= pooled <= 0.99
    assert res["diff_cover"] >= 0.85 and res["gap_cover"] >= 0.85
    assert res["gate_fail"] <= 2 / 40
