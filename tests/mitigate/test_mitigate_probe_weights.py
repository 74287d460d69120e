"""The weighted L2 logistic probe equals scikit-learn's LogisticRegression(sample_weight=...)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from fairgov.evaluate.config import ProbeConfig, ProbeError
from fairgov.evaluate.probe import fit_logistic, linear_probe
from fairgov.mitigate import balanced_resample, balanced_weights


def _problem(seed: int, n: int = 400, d: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] - 0.7 * X[:, 1] + rng.normal(size=n) > 0.2).astype(int)
    return (X - X.mean(0)) / X.std(0), y


def _sklearn(X: np.ndarray, y: np.ndarray, C: float, w: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=C, tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=w)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_weighted_fit_equals_sklearn(seed: int, C: float) -> None:
    X, y = _problem(seed)
    rng = np.random.default_rng(100 + seed)
    w = rng.uniform(0, 4, len(y))
    w[rng.random(len(y)) < 0.2] = 0.0  # rows of weight zero
    coef, b = fit_logistic(X, y, C, sample_weight=w)
    ref = _sklearn(X, y, C, w)
    np.testing.assert_allclose(coef, ref.coef_[0], atol=1e-6, rtol=0)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-6)


def test_zero_weight_rows_do_not_matter() -> None:
    X, y = _problem(5)
    w = np.ones(len(y))
    w[:100] = 0.0
    flipped = y.copy()
    flipped[:100] = 1 - flipped[:100]
    a = fit_logistic(X, y, 1.0, sample_weight=w)
    b = fit_logistic(X, flipped, 1.0, sample_weight=w)
    c = fit_logistic(X[100:], y[100:], 1.0)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[0], c[0], atol=1e-7)


def test_unit_weights_equal_the_plain_fit_and_plain_path_is_unchanged() -> None:
    X, y = _problem(6)
    plain = fit_logistic(X, y, 0.5)
    again = fit_logistic(X, y, 0.5, sample_weight=None)
    np.testing.assert_array_equal(plain[0], again[0])  # None takes the old code path
    ones = fit_logistic(X, y, 0.5, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(ones[0], plain[0], atol=1e-7)
    doubled = fit_logistic(X, y, 0.5, sample_weight=np.full(len(y), 2.0))
    ref = LogisticRegression(C=1.0, tol=1e-14, max_iter=100_000).fit(X, y)  # 2 * C
    np.testing.assert_allclose(doubled[0], ref.coef_[0], atol=1e-6)


def test_resample_counts_as_weights_equal_fitting_the_resampled_rows() -> None:
    X, y = _problem(7)
    groups = np.where(np.arange(len(y)) % 5 == 0, "small", "large")
    idx = balanced_resample(groups, y, seed=3)
    counts = np.bincount(idx, minlength=len(y)).astype(float)
    coef, b = fit_logistic(X, y, 1.0, sample_weight=counts)
    ref = LogisticRegression(C=1.0, tol=1e-14, max_iter=100_000).fit(X[idx], y[idx])
    np.testing.assert_allclose(coef, ref.coef_[0], atol=1e-6)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-6)


def test_linear_probe_with_weights_matches_sklearn_on_standardised_rows() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(600, 8)) * rng.uniform(0.5, 3, size=8) + 2.0
    y = (X[:, 0] - X[:, 1] + rng.normal(size=600) > 0.0).astype(int)
    g = np.where(rng.random(600) < 0.2, "b", "a")
    tr, va, te = slice(0, 360), slice(360, 480), slice(480, 600)
    w = balanced_weights(g[tr], y[tr])
    res = linear_probe(X[tr], y[tr], X[va], y[va], X[te], ProbeConfig(), sample_weight=w)
    mu, sd = X[tr].mean(0), X[tr].std(0)  # the unweighted standardisation of the plain probe
    ref = _sklearn((X[tr] - mu) / sd, y[tr], res.C, w)
    np.testing.assert_allclose(res.coef, ref.coef_[0], atol=1e-6)
    np.testing.assert_allclose(
        res.scores_test, ref.predict_proba((X[te] - mu) / sd)[:, 1], atol=1e-6
    )
    for C, a in res.val_auroc_per_C.items():  # C selection on validation AUROC
        refC = _sklearn((X[tr] - mu) / sd, y[tr], C, w)
        assert a == pytest.approx(
            roc_auc_score(y[va], refC.decision_function((X[va] - mu) / sd)), abs=1e-9
        )
    assert res.val_auroc_per_C[res.C] == max(res.val_auroc_per_C.values())


@pytest.mark.parametrize(
    "w, message",
    [
        (np.full(10, -1.0), "non-negative"),
        (np.zeros(10), "sums to zero"),
        (np.ones(9), "shape"),
        (np.r_[np.ones(9), np.nan], "finite"),
    ],
)
def test_bad_weights_are_probe_errors(w: np.ndarray, message: str) -> None:
    X, y = _problem(9, n=10, d=2)
    with pytest.raises(ProbeError, match=message):
        fit_logistic(X, y, 1.0, sample_weight=w)


def test_weights_leaving_one_class_are_a_probe_error() -> None:
    X, y = _problem(10, n=60, d=3)
    w = (y == 1).astype(float)
    with pytest.raises(ProbeError, match="both classes"):
        linear_probe(X, y, X, y, X, ProbeConfig(Cs=(1.0,)), sample_weight=w)
