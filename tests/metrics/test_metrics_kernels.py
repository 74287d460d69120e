"""Weighted kernels against scikit-learn and a reference ECE loop, to 1e-12.

Data include ties (rounded scores, scores exactly on bin edges), tiny groups,
single-class groups and bootstrap-count weights (including zero weights).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    roc_auc_score,
)

from fairgov.metrics import (
    weighted_auroc,
    weighted_average_precision,
    weighted_brier,
    weighted_ece,
    weighted_group_metrics,
    weighted_rate,
)

TOL = 1e-12


def make(seed: int, n: int, decimals: int | None = 2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = rng.beta(2, 2, n) * 0.6 + 0.4 * y * rng.random(n)
    s = np.clip(s, 0, 1)
    if decimals is not None:
        s = np.round(s, decimals)
    s[: max(1, n // 10)] = rng.choice([0.0, 0.3, 0.5, 1.0], max(1, n // 10))  # bin edges
    weights = rng.multinomial(n, np.full(n, 1 / n), size=6).astype(float)  # bootstrap counts
    return y, s, weights


def ece_reference(y, s, w, bins):
    total, e = w.sum(), 0.0
    for j in range(bins):
        lo, hi = j / bins, (j + 1) / bins
        m = (s >= lo) & ((s < hi) | ((j == bins - 1) & (s <= hi)))
        wm = w[m].sum()
        if wm > 0:
            e += wm / total * abs(np.average(y[m], weights=w[m]) - np.average(s[m], weights=w[m]))
    return e


def both_classes(y, w):
    return w[y == 1].sum() > 0 and w[y == 0].sum() > 0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n,decimals", [(7, 1), (40, 2), (300, 3), (300, None)])
def test_rank_and_score_metrics_match_sklearn(seed, n, decimals):
    y, s, weights = make(seed, n, decimals)
    auc = weighted_auroc(y, s, weights)
    ap = weighted_average_precision(y, s, weights)
    brier = weighted_brier(y, s, weights)
    ece = weighted_ece(y, s, weights, bins=7)
    for b, w in enumerate(weights):
        assert brier[b] == pytest.approx(brier_score_loss(y, s, sample_weight=w), abs=TOL)
        assert ece[b] == pytest.approx(ece_reference(y, s, w, 7), abs=TOL)
        if not both_classes(y, w):
            assert np.isnan(auc[b])
            continue
        assert auc[b] == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=TOL)
        assert ap[b] == pytest.approx(average_precision_score(y, s, sample_weight=w), abs=TOL)


def test_unweighted_scalar_and_single_class():
    y, s, _ = make(3, 50)
    assert weighted_auroc(y, s) == pytest.approx(roc_auc_score(y, s), abs=TOL)
    assert weighted_average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=TOL)
    assert np.isnan(weighted_auroc(np.ones(5), s[:5]))
    assert weighted_average_precision(np.ones(5), s[:5]) == 1.0  # no negatives: precision 1
    assert np.isnan(weighted_average_precision(np.zeros(5), s[:5]))


@pytest.mark.parametrize("seed", range(10))
def test_threshold_rates_match_confusion_matrix(seed):
    y, s, weights = make(seed, 60, 1)
    t = float(np.random.default_rng(seed).choice(s))
    pred = (s >= t).astype(int)
    for w in weights:
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1], sample_weight=w).ravel()
        expect = {
            "tpr": tp / (tp + fn) if tp + fn else np.nan,
            "fnr": fn / (tp + fn) if tp + fn else np.nan,
            "tnr": tn / (tn + fp) if tn + fp else np.nan,
            "fpr": fp / (tn + fp) if tn + fp else np.nan,
            "ppv": tp / (tp + fp) if tp + fp else np.nan,
            "npv": tn / (tn + fn) if tn + fn else np.nan,
            "selection_rate": (tp + fp) / w.sum(),
            "accuracy": accuracy_score(y, pred, sample_weight=w),
        }
        if both_classes(y, w):
            expect["balanced_accuracy"] = balanced_accuracy_score(y, pred, sample_weight=w)
        for m, v in expect.items():
            got = weighted_rate(m, y, s, w, threshold=t)
            if np.isnan(v):
                assert np.isnan(got), m
            else:
                assert got == pytest.approx(v, abs=TOL), m


def test_group_metrics_tiny_and_one_class_groups():
    rng = np.random.default_rng(5)
    n = 120
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 2)
    g = rng.choice(["a", "b", "c"], n).astype(object)
    g[:3] = "tiny"
    y[g == "c"] = 1  # all-positive group
    weights = rng.multinomial(n, np.full(n, 1 / n), size=4).astype(float)
    names, m = weighted_group_metrics(y, s, weights, g, threshold=0.5, ece_bins=10)
    assert names.tolist() == ["a", "b", "c", "tiny"]
    for gi, name in enumerate(names):
        sel = g == name
        for b, w in enumerate(weights):
            ws, ys, ss = w[sel], y[sel], s[sel]
            if ws.sum() == 0:
                assert np.isnan(m["brier"][b, gi])
                continue
            assert m["brier"][b, gi] == pytest.approx(
                brier_score_loss(ys, ss, sample_weight=ws), abs=TOL
            )
            assert m["ece"][b, gi] == pytest.approx(ece_reference(ys, ss, ws, 10), abs=TOL)
            if both_classes(ys, ws):
                assert m["auroc"][b, gi] == pytest.approx(
                    roc_auc_score(ys, ss, sample_weight=ws), abs=TOL
                )
            else:
                assert np.isnan(m["auroc"][b, gi])
    assert np.isnan(m["auroc"][:, 2]).all() and np.isnan(m["tnr"][:, 2]).all()
