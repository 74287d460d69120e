"""Group DRO probe: lower worst-group loss than ERM on a planted under-represented, shifted
group."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.metrics import roc_auc_score

from fairgov.evaluate.probe import fit_logistic
from fairgov.mitigate import MitigationError, fit_group_dro, group_dro
from fairgov.mitigate.dro import group_losses


def planted(n: int, minority: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group b (rare in training) carries its label on another feature and is shifted."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < minority, "b", "a")
    y = (rng.random(n) < 0.5).astype(int)
    X = rng.normal(size=(n, 10))
    sign = np.where(y == 1, 1.0, -1.0)
    X[:, 0] += sign * np.where(g == "a", 1.0, -0.5)
    X[:, 1] += sign * np.where(g == "b", 1.5, 0.2)
    X[:, 2] += np.where(g == "b", 2.0, 0.0)
    return X, y, g


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    X, y, g = planted(4000, 0.1, 0)
    Xt, yt, gt = planted(20000, 0.5, 1)
    mu, sd = X.mean(0), X.std(0)
    Z, Zt = (X - mu) / sd, (Xt - mu) / sd
    erm = fit_logistic(Z, y, 1.0)
    dro = group_dro(Z, y, g, 1.0)
    return Z, y, g, Zt, yt, gt, erm, dro


def test_dro_lowers_the_worst_group_training_loss(fitted) -> None:  # type: ignore[no-untyped-def]
    Z, y, g, _, _, _, (w, b), dro = fitted
    erm_loss = group_losses(Z, y, g, w, b)
    dro_loss = group_losses(Z, y, g, dro.coef, dro.intercept)
    assert dro_loss == pytest.approx(dro.group_loss, abs=1e-12)
    assert max(dro_loss.values()) < max(erm_loss.values()) - 0.1
    assert erm_loss["b"] > erm_loss["a"]  # the planted group is the worst one under ERM
    assert dro.converged


def test_dro_worst_group_test_auroc_and_accuracy_not_worse(fitted) -> None:  # type: ignore[no-untyped-def]
    _, _, _, Zt, yt, gt, (w, b), dro = fitted

    def worst(coef: np.ndarray, icpt: float) -> tuple[float, float]:
        s = Zt @ coef + icpt
        aucs = [roc_auc_score(yt[gt == k], s[gt == k]) for k in ("a", "b")]
        accs = [((s[gt == k] > 0) == yt[gt == k]).mean() for k in ("a", "b")]
        return min(aucs), min(accs)

    erm_auc, erm_acc = worst(w, b)
    dro_auc, dro_acc = worst(dro.coef, dro.intercept)
    assert dro_auc >= erm_auc
    assert dro_acc >= erm_acc


def test_q_is_the_eg_weighting_of_the_final_losses(fitted) -> None:  # type: ignore[no-untyped-def]
    _, _, _, _, _, _, _, dro = fitted
    q = np.array([dro.q["a"], dro.q["b"]])
    assert q.sum() == pytest.approx(1.0, abs=1e-12)
    assert dro.temperature == pytest.approx(0.01 * 1000)
    L = np.array([dro.group_loss["a"], dro.group_loss["b"]])
    np.testing.assert_allclose(q, softmax(dro.temperature * L), atol=1e-12)
    assert dro.q["b"] > 0.1  # far above its 10% share of the rows


def test_dro_stationarity_and_determinism(fitted) -> None:  # type: ignore[no-untyped-def]
    Z, y, g, _, _, _, _, dro = fitted
    # the q-weighted L2 fit at the final q is the same probe: theta is the best response to q
    n_g = {k: (g == k).sum() for k in ("a", "b")}
    row_w = np.array([len(g) * dro.q[k] / n_g[k] for k in g])
    w, b = fit_logistic(Z, y, 1.0, sample_weight=row_w)
    np.testing.assert_allclose(w, dro.coef, atol=1e-5)
    again = fit_group_dro(Z, y, g, 1.0)
    np.testing.assert_array_equal(again[0], dro.coef)


def test_sharper_step_moves_more_weight_to_the_worst_group(fitted) -> None:  # type: ignore[no-untyped-def]
    Z, y, g, _, _, _, _, dro = fitted
    sharp = group_dro(Z, y, g, 1.0, step_size=0.05)
    assert max(sharp.group_loss.values()) <= max(dro.group_loss.values()) + 1e-9


@pytest.mark.parametrize("step", [0.0, -1.0, float("nan")])
def test_bad_step_size_is_fg473(step: float) -> None:
    X, y, g = planted(50, 0.3, 2)
    with pytest.raises(MitigationError) as err:
        group_dro(X, y, g, 1.0, step_size=step)
    assert err.value.code == "FG473"
