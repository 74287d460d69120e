"""Calibration statistics and label-mixing rates are resampled with the label mix free
(``api._calibration``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score

from fairgov.metrics import BootstrapConfig, MinEvidence, measure
from fairgov.metrics.bootstrap import cluster_strata, contiguous_codes, resample_counts
from fairgov.metrics.kernels import (
    MIX_RATES,
    linear_metrics,
    metrics_from_stats,
    mix_rates,
    segment_stats,
)
from fairgov.metrics.layout import build_layout
from fairgov.metrics.simulate import Scenario, simulate
from fairgov.metrics.stderr import cluster_counts


def _data(seed: int = 0):
    d = simulate(Scenario((120, 120), (0.8, 0.8)), seed)
    codes = np.unique(d["group"], return_inverse=True)[1]
    cl = np.unique(d["clusters"], return_inverse=True)[1]
    return d["labels"], d["scores"], cl, codes


def test_strata_without_labels_are_the_groups() -> None:
    y, _, cl, g = _data()
    ncl = int(cl.max()) + 1
    with_labels = cluster_strata(cl, ncl, y, [g], 5)
    groups_only = cluster_strata(cl, ncl, y, [g], 5, by_label=False)
    assert len(with_labels) == 4 and len(groups_only) == 2
    for s in groups_only:  # one group each, patients with and without a positive mixed
        pos = np.isin(s, cl[y == 1])
        assert 0 < pos.sum() < s.size
        assert np.unique(g[np.isin(cl, s)]).size == 1


def test_linear_metrics_equal_the_full_kernel_and_sklearn() -> None:
    y, s, cl, g = _data(1)
    ncl = int(cl.max()) + 1
    lay = build_layout(y, s, g, 2, cl, ncl, 0.5, 10)
    w = np.random.default_rng(0).integers(0, 3, (ncl, 7)).astype(float)
    full = metrics_from_stats(segment_stats(lay, w))
    lin = linear_metrics(lay, w, np.asarray(cluster_counts(lay)["n"] @ w).T)
    for m in ("brier", "ece", "calibration_in_the_large", "ece_debiased"):
        np.testing.assert_allclose(lin[m], full[m], rtol=1e-12, atol=1e-15)
    c = cluster_counts(lay)
    mix = mix_rates(*(np.asarray(c[k] @ w).T for k in ("tp", "fp", "pos", "neg")))
    assert set(mix) == MIX_RATES
    for m in MIX_RATES:
        np.testing.assert_allclose(mix[m], full[m], rtol=1e-12, atol=1e-15)
    ones = np.ones((ncl, 1))
    rates = mix_rates(*(np.asarray(c[k] @ ones).T for k in ("tp", "fp", "pos", "neg")))
    for j in range(2):
        pred = s[g == j] >= 0.5
        assert rates["ppv"][0, j] == pytest.approx(precision_score(y[g == j], pred))
        assert rates["accuracy"][0, j] == pytest.approx(accuracy_score(y[g == j], pred))
    m = g == 0
    one = linear_metrics(lay, np.ones((ncl, 1)), np.asarray(cluster_counts(lay)["n"].sum(1)).T)
    assert one["brier"][0, 0] == pytest.approx(brier_score_loss(y[m], s[m]))


def _label_fixed_sd(y, s, cl, g, resamples: int, seed: int) -> float:
    """Bootstrap SD of group 0's debiased ECE with the label mix held fixed (main strata)."""
    ncl = int(cl.max()) + 1
    strata = cluster_strata(cl, ncl, y, [g], 5)
    code = contiguous_codes(strata, ncl)
    lay = build_layout(y, s, g, 2, code[cl], ncl, 0.5, 10)
    cfg = BootstrapConfig(resamples=resamples, seed=seed)
    vals = []
    for _, counts in resample_counts(cfg, [m.size for m in strata], resamples):
        n = np.asarray(cluster_counts(lay)["n"] @ counts).T
        vals.append(linear_metrics(lay, counts, n)["ece_debiased"][:, 0])
    return float(np.concatenate(vals).std(ddof=1))


def test_calibration_intervals_vary_with_the_label_mix() -> None:
    """The ECE's resamples let the number of positive patients vary (the AUROC's do not), so
    its interval is wider than one from label-stratified resamples, which understate the
    sampling variance of calibration (the debiased ECE covered 0.88-0.89 that way at 300
    patients per group; benchmarks/statistics.py)."""
    ratios = []
    for seed in range(4):
        y, s, cl, g = _data(10 + seed)
        kw = dict(metrics=["auroc", "ece"], min_evidence=MinEvidence(0, 10, 10), permutations=0,
                  bootstrap=BootstrapConfig(resamples=1000, seed=seed, interval="normal"))
        r = measure(y, s, cl, {"g": g.astype(str)}, 0.5, **kw).to_dict()
        deb = r["attributes"]["g"]["groups"]["0"]["metrics"]["ece"]["debiased"]
        assert deb["ci_low"] < deb["value"] < deb["ci_high"]
        sd = (deb["ci_high"] - deb["value"]) / 1.959964  # normal: symmetric, low may clip at 0
        ratios.append(sd / _label_fixed_sd(y, s, cl, g, 1000, seed))
        assert r == measure(y, s, cl, {"g": g.astype(str)}, 0.5, **kw).to_dict()  # seeded
    assert np.mean(ratios) > 1.05, ratios
