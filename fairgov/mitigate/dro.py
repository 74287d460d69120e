"""Worst-group (online group DRO, Sagawa et al. 2020) training of the L2 logistic probe.

Objective: ``min_theta max_{q in simplex} sum_g q_g * L_g(theta) + ||w||^2 / (2 C n)``, where
``L_g`` is group g's mean log-loss. With ``q_g = n_g / n`` this is the plain probe's objective
(sklearn's ``C * sum(logloss) + 0.5 ||w||^2`` divided by ``C n``), so C means the same thing
for both fits.

Algorithm (deterministic, full batch on the cached embeddings). Sagawa's online algorithm
alternates, at every minibatch step, an exponentiated-gradient (EG) step on the group weights,
``q_g <- q_g * exp(step_size * L_g)`` then normalise, with a gradient step on theta for the
q-weighted loss. Here the theta player takes ``steps_per_round`` L-BFGS iterations (warm
started from the previous round) on the q-weighted full-batch objective, then q takes the EG
steps of those iterations at once, ``q_g <- q_g * exp(step_size * steps_per_round * L_g)``
(the round's losses stand for the losses of its steps). q starts uniform (Sagawa). Rounds stop
when q moves by less than ``q_tol`` (max abs change) after a round in which L-BFGS converged,
or when the iteration budget ``max_iter`` (the plain probe's) is spent; the result is the last
iterate, as in Sagawa's code. Full batch instead of minibatches makes the fit reproducible
bit for bit and reuses the L-BFGS machinery of the plain probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import log_expit

from fairgov.evaluate.probe import fit_weighted_logistic
from fairgov.mitigate.errors import MitigationError

__all__ = ["GroupDROResult", "fit_group_dro", "group_dro", "group_losses"]


@dataclass(frozen=True)
class GroupDROResult:
    coef: np.ndarray = field(repr=False)
    intercept: float
    q: dict[str, float]
    group_loss: dict[str, float]
    rounds: int
    converged: bool


def group_losses(
    X: np.ndarray, y: np.ndarray, gi: np.ndarray, k: int, w: np.ndarray, b: float
) -> np.ndarray:
    """Mean log-loss per group index 0..k-1 (unregularised)."""
    t = np.where(np.asarray(y).astype(bool), 1.0, -1.0)
    ll = -log_expit(t * (X @ w + b))
    return np.bincount(gi, weights=ll, minlength=k) / np.bincount(gi, minlength=k)


def group_dro(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    C: float,
    max_iter: int = 1000,
    step_size: float = 0.01,
    steps_per_round: int = 20,
    q_tol: float = 1e-4,
) -> GroupDROResult:
    """Fit the group-DRO probe (see the module docstring); X is already standardised."""
    if not (np.isfinite(step_size) and step_size > 0):
        raise MitigationError(f"group DRO step_size must be positive, got {step_size}", "FG473")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(int)
    g = np.asarray(groups).astype(str)
    if len(g) != len(X) or len(y) != len(X):
        raise MitigationError("embeddings, labels and groups differ in length", "FG473")
    names, gi = np.unique(g, return_inverse=True)
    k = len(names)
    n_g = np.bincount(gi, minlength=k).astype(np.float64)
    n, d = X.shape
    q = np.full(k, 1.0 / k)
    theta = np.zeros(d + 1)
    used, rounds, converged = 0, 0, False
    eta = step_size * steps_per_round
    losses = np.zeros(k)
    while used < max_iter:
        budget = min(steps_per_round, max_iter - used)
        row_w = (n * q / n_g)[gi]
        w, b, nit, ok = fit_weighted_logistic(X, y, C, row_w, budget, x0=theta, info=True)
        theta = np.concatenate([w, [b]])
        used += max(nit, 1)
        rounds += 1
        losses = group_losses(X, y, gi, k, w, b)
        logq = np.log(q) + eta * losses
        new_q = np.exp(logq - logq.max())
        new_q /= new_q.sum()
        moved = float(np.abs(new_q - q).max())
        q = new_q
        if ok and moved < q_tol:
            converged = True
            break
    return GroupDROResult(
        coef=theta[:d].copy(),
        intercept=float(theta[d]),
        q={str(nm): float(v) for nm, v in zip(names, q, strict=True)},
        group_loss={str(nm): float(v) for nm, v in zip(names, losses, strict=True)},
        rounds=rounds,
        converged=converged,
    )


def fit_group_dro(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    C: float,
    max_iter: int = 1000,
    step_size: float = 0.01,
) -> tuple[np.ndarray, float]:
    """(coef, intercept) of :func:`group_dro`."""
    res = group_dro(X, y, groups, C, max_iter=max_iter, step_size=step_size)
    return res.coef, res.intercept
