"""Deterministic L2 logistic-regression linear probe (numpy + scipy, no scikit-learn).

The objective matches scikit-learn's ``LogisticRegression(penalty="l2", C=C)``:
``C * sum(logloss) + 0.5 * ||w||^2`` with an unpenalised intercept, minimised with
L-BFGS from a zero start, so results are reproducible and comparable with sklearn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from scipy.stats import rankdata

from fairgov.evaluate.config import ProbeConfig, ProbeError

__all__ = [
    "ProbeResult",
    "auroc",
    "check_sample_weight",
    "lbfgs",
    "fit_logistic",
    "fit_weighted_logistic",
    "linear_probe",
]


@dataclass(frozen=True)
class ProbeResult:
    """Scores for validation/test rows plus the model-selection record."""

    scores_val: np.ndarray
    scores_test: np.ndarray
    C: float
    val_auroc_per_C: dict[float, float]
    coef: np.ndarray = field(repr=False)
    intercept: float = 0.0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    scale: np.ndarray = field(default_factory=lambda: np.ones(0), repr=False)


def auroc(y: np.ndarray, scores: np.ndarray) -> float:
    """Mann-Whitney AUROC with mid-ranks for ties; NaN when only one class is present."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def lbfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, max_iter: int
) -> Any:
    """The probes' optimiser: L-BFGS-B on (loss, gradient) from `x0`, with the tight tolerances
    every probe objective here uses (plain, weighted, group DRO), so all of them converge alike."""
    return minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxcor": 30, "gtol": 1e-10, "ftol": 1e-15},
    )


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    C: float,
    max_iter: int = 1000,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Minimise sklearn's L2 logistic objective (scaled by 1/n for conditioning).

    With ``sample_weight`` the objective is ``C * sum(w_i * logloss_i) + 0.5 * ||w||^2``,
    scikit-learn's ``LogisticRegression(C=C).fit(X, y, sample_weight=w)``; it is scaled by
    ``1/sum(w)`` and rows of weight 0 are dropped (they do not enter the objective).
    """
    if sample_weight is not None:
        return fit_weighted_logistic(X, y, C, sample_weight, max_iter)
    X = np.asarray(X, dtype=np.float64)
    t = np.where(np.asarray(y).astype(bool), 1.0, -1.0)
    n, d = X.shape
    lam = 1.0 / (C * n)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = t * (X @ w + b)
        loss = -log_expit(z).sum() / n + 0.5 * lam * (w @ w)
        g = -t * expit(-z) / n
        return float(loss), np.concatenate([X.T @ g + lam * w, [g.sum()]])

    res = lbfgs(fun, np.zeros(d + 1), max_iter)
    return res.x[:d].copy(), float(res.x[d])


def check_sample_weight(sample_weight: np.ndarray, n: int) -> np.ndarray:
    """The weights as float64, or ProbeError: length n, finite, >= 0, positive total."""
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ProbeError(f"sample_weight has shape {w.shape}, expected ({n},)")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ProbeError("sample_weight must be finite and non-negative")
    if not w.sum() > 0:
        raise ProbeError("sample_weight sums to zero: no row enters the fit")
    return w


def fit_weighted_logistic(
    X: np.ndarray,
    y: np.ndarray,
    C: float,
    sample_weight: np.ndarray,
    max_iter: int = 1000,
    x0: np.ndarray | None = None,
    info: bool = False,
) -> Any:
    """The weighted objective of :func:`fit_logistic`; ``x0`` = (w, b) warm start.

    Returns (w, b), or with ``info`` (w, b, iterations, converged)."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    sw = check_sample_weight(sample_weight, n)
    keep = sw > 0
    if not keep.all():
        X, sw = X[keep], sw[keep]
        y = np.asarray(y)[keep]
    t = np.where(np.asarray(y).astype(bool), 1.0, -1.0)
    total = float(sw.sum())
    v = sw / total
    lam = 1.0 / (C * total)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = t * (X @ w + b)
        loss = -(v @ log_expit(z)) + 0.5 * lam * (w @ w)
        g = -t * v * expit(-z)
        return float(loss), np.concatenate([X.T @ g + lam * w, [g.sum()]])

    res = lbfgs(fun, np.zeros(d + 1) if x0 is None else np.asarray(x0, dtype=np.float64), max_iter)
    if info:
        return res.x[:d].copy(), float(res.x[d]), int(res.nit), bool(res.success)
    return res.x[:d].copy(), float(res.x[d])


def linear_probe(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    X_test: np.ndarray,
    cfg: ProbeConfig | None = None,
    sample_weight: np.ndarray | None = None,
    fit: Callable[[np.ndarray, np.ndarray, float, int], tuple[np.ndarray, float]] | None = None,
) -> ProbeResult:
    """Standardise on train, fit one probe per C, keep the best validation AUROC.

    Ties (within 1e-12) go to the smaller C, i.e. the stronger regularisation.
    ``sample_weight`` weights the train rows' loss (sklearn's ``sample_weight``); the
    standardisation stays the unweighted one of the train rows. ``fit(Z, y, C, max_iter)``
    replaces the fitter (the mitigation variants' hook, e.g. group DRO); it gets the
    standardised train rows.
    """
    cfg = cfg or ProbeConfig()
    y_train = np.asarray(y_train).astype(int)
    y_val = np.asarray(y_val).astype(int)
    for name, yy in (("train", y_train), ("validation", y_val)):
        if len(np.unique(yy)) < 2:
            raise ProbeError(f"the {name} split needs both classes to fit/select a probe")
    if not cfg.Cs or any(c <= 0 for c in cfg.Cs):
        raise ProbeError(f"Cs must be positive, got {cfg.Cs}", code="FG400")
    Xtr = np.asarray(X_train, dtype=np.float64)
    mean = Xtr.mean(axis=0)
    scale = Xtr.std(axis=0)
    scale[scale < 1e-12] = 1.0

    def std(X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - mean) / scale

    Ztr, Zval, Ztest = std(Xtr), std(X_val), std(X_test)
    fitter = fit or fit_logistic
    if sample_weight is not None:
        if fit is not None:
            raise ProbeError("pass sample_weight or a custom fit, not both")
        sw = check_sample_weight(sample_weight, len(Ztr))
        if len(np.unique(y_train[sw > 0])) < 2:
            raise ProbeError("the train rows of positive weight need both classes")

        def weighted(Z: np.ndarray, yy: np.ndarray, C: float, it: int) -> tuple[np.ndarray, float]:
            return fit_weighted_logistic(Z, yy, C, sw, it)

        fitter = weighted
    per_c: dict[float, float] = {}
    best: tuple[float, float, np.ndarray, float] | None = None
    for C in sorted(float(c) for c in cfg.Cs):
        w, b = fitter(Ztr, y_train, C, cfg.max_iter)
        score = auroc(y_val, expit(Zval @ w + b))
        per_c[C] = score
        if best is None or score > best[1] + 1e-12:
            best = (C, score, w, b)
    assert best is not None
    C, _, w, b = best
    return ProbeResult(
        scores_val=expit(Zval @ w + b),
        scores_test=expit(Ztest @ w + b) if len(Ztest) else np.zeros(0),
        C=C,
        val_auroc_per_C=per_c,
        coef=w,
        intercept=b,
        mean=mean,
        scale=scale,
    )
