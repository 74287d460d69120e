"""Probes of multilabel and multiclass tasks on the shared embeddings.

Multilabel: one L2 logistic probe per label (fairgov.evaluate.probe.linear_probe, each with its
own C chosen on validation AUROC). Multiclass: one multinomial (softmax) L2 logistic probe with
scikit-learn's objective (optionally with sample weights, or a replaced fitter: the
mitigation variants' hooks), C chosen on the validation macro one-vs-rest AUROC; its class
probabilities are the scores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import log_softmax, softmax

from fairgov.evaluate.config import ProbeConfig, ProbeError
from fairgov.evaluate.probe import auroc, check_sample_weight, lbfgs, linear_probe
from fairgov.evaluate.tasks import MultiTask

__all__ = ["SoftmaxFit", "fit_softmax", "macro_auroc", "multi_probe", "softmax_probe"]

#: a softmax fitter ``(Z, y, k, C, max_iter) -> (W (d, k), b (k,))`` on standardised rows
SoftmaxFit = Callable[[np.ndarray, np.ndarray, int, float, int], tuple[np.ndarray, np.ndarray]]


def multi_probe(
    task: MultiTask, X: dict[str, np.ndarray], Y: dict[str, np.ndarray], cfg: ProbeConfig
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Scores (validation, test) of shape (rows, endpoints) and the probe record."""
    if task.type == "multiclass":
        return softmax_probe(
            X["train"], Y["train"], X["validation"], Y["validation"], X["test"], cfg
        )
    val, test, record = [], [], {}
    for j, name in enumerate(task.names):
        try:
            res = linear_probe(
                X["train"], Y["train"][:, j], X["validation"], Y["validation"][:, j], X["test"], cfg
            )
        except ProbeError as err:
            raise ProbeError(f"label {name!r}: {err}", code="FG440") from err
        val.append(res.scores_val)
        test.append(res.scores_test)
        record[name] = {
            "C": res.C,
            "val_auroc_per_C": {str(k): v for k, v in res.val_auroc_per_C.items()},
        }
    return np.column_stack(val), np.column_stack(test), {"labels": record}


def fit_softmax(
    X: np.ndarray,
    y: np.ndarray,
    k: int,
    C: float,
    max_iter: int = 1000,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial L2 logistic regression, scikit-learn's objective
    ``C * sum(w_i * -log p(y_i | x_i)) + 0.5 * ||W||^2`` (intercepts unpenalised), scaled by
    ``1/sum(w)`` (``w_i = 1`` without ``sample_weight``; rows of weight 0 are dropped), i.e.
    ``LogisticRegression(C=C).fit(X, y, sample_weight=w)``.
    Returns (W of shape (d, k), b of shape (k,))."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=int)
    if sample_weight is not None:
        return _fit_weighted_softmax(X, y, k, C, sample_weight, max_iter)
    n, d = X.shape
    onehot = np.eye(k)[y]
    lam = 1.0 / (C * n)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = theta[: d * k].reshape(d, k), theta[d * k :]
        logp = log_softmax(X @ W + b, axis=1)
        loss = -(onehot * logp).sum() / n + 0.5 * lam * float((W * W).sum())
        g = (np.exp(logp) - onehot) / n
        return float(loss), np.concatenate([(X.T @ g + lam * W).ravel(), g.sum(axis=0)])

    res = lbfgs(fun, np.zeros(d * k + k), max_iter)
    return res.x[: d * k].reshape(d, k).copy(), res.x[d * k :].copy()


def _fit_weighted_softmax(
    X: np.ndarray, y: np.ndarray, k: int, C: float, sample_weight: np.ndarray, max_iter: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weighted objective of :func:`fit_softmax` (the unweighted one is kept apart so the
    plain probe's floating-point path, and so its cached scores, are unchanged)."""
    sw = check_sample_weight(sample_weight, len(X))
    keep = sw > 0
    X, y, sw = X[keep], y[keep], sw[keep]
    d = X.shape[1]
    total = float(sw.sum())
    v = sw / total
    onehot = np.eye(k)[y]
    lam = 1.0 / (C * total)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = theta[: d * k].reshape(d, k), theta[d * k :]
        logp = log_softmax(X @ W + b, axis=1)
        loss = -(v @ (onehot * logp).sum(axis=1)) + 0.5 * lam * float((W * W).sum())
        g = (np.exp(logp) - onehot) * v[:, None]
        return float(loss), np.concatenate([(X.T @ g + lam * W).ravel(), g.sum(axis=0)])

    res = lbfgs(fun, np.zeros(d * k + k), max_iter)
    return res.x[: d * k].reshape(d, k).copy(), res.x[d * k :].copy()


def macro_auroc(Y: np.ndarray, P: np.ndarray) -> float:
    """Mean one-vs-rest AUROC over the classes present with both outcomes (NaN if none)."""
    values = [auroc(Y[:, j], P[:, j]) for j in range(Y.shape[1])]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def softmax_probe(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    X_test: np.ndarray,
    cfg: ProbeConfig,
    sample_weight: np.ndarray | None = None,
    fit: SoftmaxFit | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Standardise on train, fit a softmax probe per C, keep the best validation macro AUROC
    (ties to the smaller C). Every class needs train rows (of positive weight).

    ``sample_weight`` weights the train rows' loss (sklearn's ``sample_weight``; the
    standardisation stays the unweighted one of the train rows). ``fit(Z, y, k, C, max_iter)``
    replaces the fitter (the mitigation variants' hook, e.g. group DRO) and gets the
    standardised train rows and their class indices."""
    k = Y_train.shape[1]
    if sample_weight is not None and fit is not None:
        raise ProbeError("pass sample_weight or a custom fit, not both")
    sw = None if sample_weight is None else check_sample_weight(sample_weight, len(Y_train))
    present = Y_train if sw is None else Y_train[sw > 0]
    empty = [j for j in range(k) if present[:, j].sum() == 0]
    if empty:
        raise ProbeError(
            f"{len(empty)} class(es) have no train rows: class index {empty}", code="FG440"
        )
    Xtr = np.asarray(X_train, dtype=np.float64)
    mean, scale = Xtr.mean(axis=0), Xtr.std(axis=0)
    scale[scale < 1e-12] = 1.0
    Ztr, Zval, Zte = (
        (np.asarray(a, dtype=np.float64) - mean) / scale for a in (Xtr, X_val, X_test)
    )
    y = Y_train.argmax(axis=1)
    per_c: dict[str, float] = {}
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None
    for C in sorted(float(c) for c in cfg.Cs):
        if fit is not None:
            W, b = fit(Ztr, y, k, C, cfg.max_iter)
        else:
            W, b = fit_softmax(Ztr, y, k, C, cfg.max_iter, sample_weight=sw)
        score = macro_auroc(Y_val, softmax(Zval @ W + b, axis=1))
        per_c[str(C)] = score
        if best is None or score > best[1] + 1e-12:
            best = (C, score, W, b)
    assert best is not None
    C, _, W, b = best
    test = softmax(Zte @ W + b, axis=1) if len(Zte) else np.zeros((0, k))
    return softmax(Zval @ W + b, axis=1), test, {"C": C, "val_macro_auroc_per_C": per_c}
