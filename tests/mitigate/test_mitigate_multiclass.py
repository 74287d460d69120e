"""The softmax probe re-fitted under reweight / resample / group DRO (fairgov.mitigate.multiclass)
against scikit-learn's multinomial LogisticRegression."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.multiprobe import fit_softmax, softmax_probe
from fairgov.mitigate import MitigationError
from fairgov.mitigate.multiclass import fit_softmax_variant, softmax_group_dro
from fairgov.mitigate.weights import cell_resample, class_cells

CFG = ProbeConfig(Cs=(0.01, 0.1, 1.0))
CLASSES = ["a", "b", "c"]


def _data(seed: int = 0, n: int = 600):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < 0.2, "rare", "common")
    y = rng.integers(0, 3, n)
    centers = rng.normal(0, 1.0, (3, 5))
    X = centers[y] + rng.normal(0, 1.0, (n, 5)) + (g == "rare")[:, None] * 0.8
    X[g == "rare", 0] += 1.5 * (y[g == "rare"] == 2)
    Y = np.eye(3, dtype=int)[y]
    tr, va, te = slice(0, 350), slice(350, 475), slice(475, n)
    return X, y, Y, g, (tr, va, te)


def _std(X: np.ndarray, tr: slice) -> np.ndarray:
    mu, sd = X[tr].mean(0), X[tr].std(0)
    return (X - mu) / sd


def test_weighted_softmax_matches_sklearn_multinomial_with_sample_weight() -> None:
    X, y, _, g, _ = _data()
    w = np.where(g == "rare", 4.0, 1.0) * np.random.default_rng(3).uniform(0.5, 1.5, len(y))
    w[:20] = 0.0  # rows of weight 0 do not enter the fit
    for C in (0.05, 1.0):
        W, b = fit_softmax(X, y, 3, C, sample_weight=w)
        ref = LogisticRegression(C=C, max_iter=10_000, tol=1e-12).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(W.T - W.T.mean(0), ref.coef_ - ref.coef_.mean(0), atol=2e-4)
        ours = np.exp(X @ W + b)
        ours /= ours.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(ours, ref.predict_proba(X), atol=1e-5)
    plain = fit_softmax(X, y, 3, 1.0)
    ones = fit_softmax(X, y, 3, 1.0, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(plain[0], ones[0], atol=1e-7)
    assert not np.allclose(plain[0], fit_softmax(X, y, 3, 1.0, sample_weight=w)[0], atol=1e-3)


@pytest.mark.parametrize("with_label", [False, True])
def test_reweight_variant_is_the_weighted_softmax_probe_of_sklearn(with_label: bool) -> None:
    X, y, Y, g, (tr, va, te) = _data(1)
    record: dict = {}
    m = {"type": "reweight", "with_label": with_label}
    val, test, probe = fit_softmax_variant(
        m, X[tr], Y[tr], g[tr], X[va], Y[va], X[te], CLASSES, CFG, record
    )
    cells = ([f"{a}|{c}" for a in ("common", "rare") for c in CLASSES]) if with_label else [
        "common",
        "rare",
    ]
    assert sorted(record["cell_weight"]) == sorted(cells)
    np.testing.assert_allclose(list(record["cell_weight"].values()), 1 / len(cells))
    Z = _std(X, tr)
    ref = LogisticRegression(C=float(probe["C"]), max_iter=10_000, tol=1e-12)
    if with_label:
        ci, _ = class_cells(g[tr], np.asarray(CLASSES)[y[tr]], CLASSES)
    else:
        ci = np.unique(g[tr], return_inverse=True)[1]
    counts = np.bincount(ci)
    w = len(ci) / (len(counts) * counts[ci])
    ref.fit(Z[tr], y[tr], sample_weight=w)
    np.testing.assert_allclose(test, ref.predict_proba(Z[te]), atol=1e-5)
    np.testing.assert_allclose(val, ref.predict_proba(Z[va]), atol=1e-5)
    plain_val, _, _ = softmax_probe(X[tr], Y[tr], X[va], Y[va], X[te], CFG)
    assert not np.allclose(val, plain_val, atol=1e-3)


def test_resample_variant_equals_sklearn_on_the_resampled_rows() -> None:
    X, y, Y, g, (tr, va, te) = _data(2)
    record: dict = {}
    m = {"type": "resample", "with_label": True, "seed": 5}
    val, test, probe = fit_softmax_variant(
        m, X[tr], Y[tr], g[tr], X[va], Y[va], X[te], CLASSES, CFG, record
    )
    ci, _ = class_cells(g[tr], np.asarray(CLASSES)[y[tr]], CLASSES)
    idx = cell_resample(ci, seed=5)  # positions within the train rows
    assert record["distinct_rows"] == len(np.unique(idx)) < record["train_rows"] == 350
    Z = _std(X, tr)  # standardised on the (unresampled) train rows, as the plain probe
    ref = LogisticRegression(C=float(probe["C"]), max_iter=10_000, tol=1e-12)
    ref.fit(Z[tr][idx], y[tr][idx])
    np.testing.assert_allclose(test, ref.predict_proba(Z[te]), atol=1e-5)


def test_softmax_group_dro_with_one_group_is_the_plain_softmax_fit() -> None:
    X, y, _, _, _ = _data(3)
    Z = (X - X.mean(0)) / X.std(0)
    res = softmax_group_dro(Z, y, 3, np.array(["all"] * len(y)), 0.5)
    W, b = fit_softmax(Z, y, 3, 0.5)
    np.testing.assert_allclose(res.coef, W, atol=1e-6)
    np.testing.assert_allclose(res.intercept, b, atol=1e-6)
    assert res.q == {"all": pytest.approx(1.0)} and res.converged


def test_group_dro_variant_lowers_the_worst_group_loss() -> None:
    X, y, Y, g, (tr, va, te) = _data(4)
    Z = _std(X, tr)
    plain = softmax_group_dro(Z[tr], y[tr], 3, g[tr], 1.0, step_size=1e-9)  # ~ group-mean ERM
    dro = softmax_group_dro(Z[tr], y[tr], 3, g[tr], 1.0, step_size=0.05)
    assert max(dro.group_loss.values()) < max(plain.group_loss.values())
    worst = max(dro.group_loss, key=dro.group_loss.__getitem__)
    assert dro.q[worst] > 0.5  # the worse group carries more of the weight
    record: dict = {}
    val, test, probe = fit_softmax_variant(
        {"type": "group_dro", "step_size": 0.05},
        X[tr], Y[tr], g[tr], X[va], Y[va], X[te], CLASSES, CFG, record,
    )
    again = softmax_group_dro(Z[tr], y[tr], 3, g[tr], float(probe["C"]), step_size=0.05)
    logits = Z[te] @ again.coef + again.intercept
    p = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(test, p / p.sum(1, keepdims=True), atol=1e-10)
    assert record["q"] == again.q and record["temperature"] == pytest.approx(50.0)


def test_group_x_class_cells_need_every_class_in_every_group() -> None:
    g = np.array(["a", "a", "a", "b", "b"])
    with pytest.raises(MitigationError) as info:
        class_cells(g, np.array(["x", "y", "z", "x", "y"]), ["x", "y", "z"])
    assert info.value.code == "FG470" and "'b'" in str(info.value) and "'z'" in str(info.value)
