"""The scipy L-BFGS probe reproduces scikit-learn's L2 logistic regression."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.evaluate.config import ProbeConfig, ProbeError
from fairgov.evaluate.probe import auroc, fit_logistic, linear_probe

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402


def _data(n: int = 300, d: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d)
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=n) > 0.3).astype(int)
    return X, y


@pytest.mark.parametrize("C", [0.001, 0.1, 1.0, 100.0])
def test_fit_matches_sklearn(C: float) -> None:
    X, y = _data()
    Z = (X - X.mean(0)) / X.std(0)
    w, b = fit_logistic(Z, y, C)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(Z, y)
    np.testing.assert_allclose(w, ref.coef_[0], atol=1e-4)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-4)
    np.testing.assert_allclose(
        1 / (1 + np.exp(-(Z @ w + b))), ref.predict_proba(Z)[:, 1], atol=1e-5
    )


def test_linear_probe_selects_by_validation_auroc_and_matches_sklearn() -> None:
    X, y = _data(600)
    tr, va, te = slice(0, 360), slice(360, 480), slice(480, 600)
    res = linear_probe(X[tr], y[tr], X[va], y[va], X[te], ProbeConfig())
    assert set(res.val_auroc_per_C) == {0.001, 0.01, 0.1, 1.0, 10.0, 100.0}
    best = max(res.val_auroc_per_C.values())
    assert res.val_auroc_per_C[res.C] == best
    assert min(c for c, a in res.val_auroc_per_C.items() if a == best) == res.C
    mu, sd = X[tr].mean(0), X[tr].std(0)
    ref = LogisticRegression(C=res.C, tol=1e-12, max_iter=100_000).fit((X[tr] - mu) / sd, y[tr])
    np.testing.assert_allclose(
        res.scores_test, ref.predict_proba((X[te] - mu) / sd)[:, 1], atol=1e-4
    )
    again = linear_probe(X[tr], y[tr], X[va], y[va], X[te], ProbeConfig())
    np.testing.assert_array_equal(res.scores_test, again.scores_test)  # deterministic


def test_ties_prefer_stronger_regularisation() -> None:
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    res = linear_probe(X, y, X, y, X, ProbeConfig(Cs=(10.0, 0.01, 1.0)))
    assert set(res.val_auroc_per_C.values()) == {1.0}
    assert res.C == 0.01


def test_auroc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.random(200) + 0.3 * y, 1)  # heavy ties
    assert auroc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert np.isnan(auroc(np.ones(3), np.arange(3)))


def test_single_class_and_bad_cs_fail() -> None:
    X, y = _data(40)
    with pytest.raises(ProbeError, match="both classes"):
        linear_probe(X, np.zeros(40), X, y, X)
    with pytest.raises(ProbeError, match="positive"):
        linear_probe(X, y, X, y, X, ProbeConfig(Cs=(0.0,)))
