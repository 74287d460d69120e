"""Worst-group (group DRO, Sagawa et al. 2020) training of the L2 logistic probe.

Group DRO solves ``min_theta max_{q in simplex} sum_g q_g L_g(theta) + ||w||^2 / (2 C n)``,
``L_g`` = group g's mean log-loss. With ``q_g = n_g / n`` this is the plain probe's objective
(sklearn's ``C * sum(logloss) + 0.5 ||w||^2`` divided by ``C n``), so C means the same thing
for both fits.

Sagawa's online algorithm takes, at every minibatch step, an exponentiated-gradient (EG) step
on the group weights, ``q_g <- q_g * exp(step_size * L_g)`` (then normalise), and a gradient
step on theta for the q-weighted loss. After T steps from uniform q, ``q_g`` is proportional to
``exp(step_size * sum_t L_g,t)``; once the losses settle at ``L_g(theta)`` that is
``softmax(tau * L_g(theta))`` with ``tau = step_size * T``. Run on cached embeddings, the
online algorithm needs thousands of full-batch steps for small step sizes (tens of plain
fits), so fairgov solves its fixed point directly instead. With ``T = max_iter`` (the probe's
iteration budget, 1000 by default, so ``tau = 10`` for the default step 0.01), the probe
minimises the smooth, convex objective

    F(theta) = (1 / tau) * log( sum_g (1/G) * exp(tau * L_g(theta)) ) + ||w||^2 / (2 C n)

whose gradient is the q-weighted gradient with ``q = softmax(tau * L(theta))``: the
entropy-regularised group DRO (``max_q sum_g q_g L_g - KL(q || uniform) / tau``), at whose
optimum theta is the best response to q and q is the EG weighting of theta's losses. It is
one deterministic L-BFGS run from zero (same tolerances as the plain probe), at roughly the
cost of a plain fit. As ``tau`` grows it approaches the hard worst-group objective
(``max_g L_g`` within ``log(G) / tau``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, log_expit, logsumexp

from fairgov.evaluate.probe import lbfgs
from fairgov.mitigate.errors import MitigationError

__all__ = ["GroupDROResult", "fit_group_dro", "group_dro", "group_losses"]


@dataclass(frozen=True)
class GroupDROResult:
    coef: np.ndarray = field(repr=False)
    intercept: float
    q: dict[str, float]
    group_loss: dict[str, float]
    temperature: float
    iterations: int
    converged: bool


def group_losses(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, w: np.ndarray, b: float
) -> dict[str, float]:
    """Mean (unregularised) log-loss per group of the probe (w, b)."""
    names, gi = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    t = np.where(np.asarray(y).astype(bool), 1.0, -1.0)
    ll = -log_expit(t * (np.asarray(X, dtype=np.float64) @ w + b))
    k = len(names)
    per = np.bincount(gi, weights=ll, minlength=k) / np.bincount(gi, minlength=k)
    return {str(nm): float(v) for nm, v in zip(names, per, strict=True)}


def group_dro(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    C: float,
    max_iter: int = 1000,
    step_size: float = 0.01,
) -> GroupDROResult:
    """Fit the group-DRO probe (see the module docstring); X is already standardised."""
    X, y, names, gi, n_g = dro_inputs(X, y, groups, step_size)
    k = len(names)
    n, d = X.shape
    t = np.where(y.astype(bool), 1.0, -1.0)
    tau = float(step_size) * max_iter
    lam = 1.0 / (C * n)
    log_prior = np.full(k, -np.log(k))

    def weights(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z = t * (X @ theta[:d] + theta[d])
        L = np.bincount(gi, weights=-log_expit(z), minlength=k) / n_g
        a = tau * L + log_prior
        q = np.exp(a - logsumexp(a))
        return z, L, q

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:d]
        z, L, q = weights(theta)
        loss = logsumexp(tau * L + log_prior) / tau + 0.5 * lam * (w @ w)
        gz = -t * (q / n_g)[gi] * expit(-z)
        return float(loss), np.concatenate([X.T @ gz + lam * w, [gz.sum()]])

    res = lbfgs(fun, np.zeros(d + 1), max_iter)
    _, L, q = weights(res.x)
    return GroupDROResult(
        coef=res.x[:d].copy(),
        intercept=float(res.x[d]),
        q={str(nm): float(v) for nm, v in zip(names, q, strict=True)},
        group_loss={str(nm): float(v) for nm, v in zip(names, L, strict=True)},
        temperature=tau,
        iterations=int(res.nit),
        converged=bool(res.success),
    )


def dro_inputs(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, step_size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked group-DRO inputs: float X, integer y, the group names, each row's group index
    and each group's row count (FG473 for a bad step size or mismatched lengths)."""
    if not (np.isfinite(step_size) and step_size > 0):
        raise MitigationError(f"group DRO step_size must be positive, got {step_size}", "FG473")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(int)
    g = np.asarray(groups).astype(str)
    if len(g) != len(X) or len(y) != len(X):
        raise MitigationError("embeddings, labels and groups differ in length", "FG473")
    names, gi = np.unique(g, return_inverse=True)
    return X, y, names, gi, np.bincount(gi, minlength=len(names)).astype(np.float64)


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
