"""Probes of multilabel and multiclass tasks on the shared embeddings.

Multilabel: one L2 logistic probe per label (fairgov.evaluate.probe.linear_probe, each with its
own C chosen on validation AUROC). Multiclass: one multinomial (softmax) L2 logistic probe with
scikit-learn's objective, C chosen on the validation macro one-vs-rest AUROC; its class
probabilities are the scores.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, softmax

from fairgov.evaluate.config import ProbeConfig, ProbeError
from fairgov.evaluate.probe import auroc, lbfgs, linear_probe
from fairgov.evaluate.tasks import MultiTask

__all__ = ["fit_softmax", "macro_auroc", "multi_probe", "softmax_probe"]


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
    X: np.ndarray, y: np.ndarray, k: int, C: float, max_iter: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial L2 logistic regression, scikit-learn's objective
    ``C * sum(-log p(y_i | x_i)) + 0.5 * ||W||^2`` (intercepts unpenalised), scaled by 1/n.
    Returns (W of shape (d, k), b of shape (k,))."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    onehot = np.eye(k)[np.asarray(y, dtype=int)]
    lam = 1.0 / (C * n)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = theta[: d * k].reshape(d, k), theta[d * k :]
        logp = log_softmax(X @ W + b, axis=1)
        loss = -(onehot * logp).sum() / n + 0.5 * lam * float((W * W).sum())
        g = (np.exp(logp) - onehot) / n
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
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Standardise on train, fit a softmax probe per C, keep the best validation macro AUROC
    (ties to the smaller C). Every class needs train rows."""
    k = Y_train.shape[1]
    empty = [j for j in range(k) if Y_train[:, j].sum() == 0]
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
        W, b = fit_softmax(Ztr, y, k, C, cfg.max_iter)
        score = macro_auroc(Y_val, softmax(Zval @ W + b, axis=1))
        per_c[str(C)] = score
        if best is None or score > best[1] + 1e-12:
            best = (C, score, W, b)
    assert best is not None
    C, _, W, b = best
    test = softmax(Zte @ W + b, axis=1) if len(Zte) else np.zeros((0, k))
    return softmax(Zval @ W + b, axis=1), test, {"C": C, "val_macro_auroc_per_C": per_c}
