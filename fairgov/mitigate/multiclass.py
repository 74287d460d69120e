"""Re-fit the multiclass (softmax) probe under a data- or training-stage mitigation.

The multiclass counterpart of :mod:`fairgov.mitigate.variants`: the plain softmax probe's
protocol (``fairgov.evaluate.multiprobe.softmax_probe``: standardisation on the unweighted
train rows, one fit per C, C chosen on the validation macro one-vs-rest AUROC) with only the
train rows' loss changed, each type as the binary variant defines it:

``reweight``   group-balanced sample weights; with ``with_label`` the cells are group x class
               (:func:`fairgov.mitigate.weights.class_cells`), as the binary cells are
               group x label;
``resample``   a cell-balanced resample with replacement, fitted as integer sample weights
               (how often each row was drawn), the same objective as fitting on the resampled
               rows;
``group_dro``  the entropy-regularised worst-group objective of :mod:`fairgov.mitigate.dro`
               over the groups of ``by`` (no label), with each group's loss the mean softmax
               cross-entropy of its rows (:func:`softmax_group_dro`).

Validation rows only select C; test rows are only scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import log_softmax, logsumexp

from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.multiprobe import softmax_probe
from fairgov.evaluate.probe import lbfgs
from fairgov.mitigate.dro import dro_inputs
from fairgov.mitigate.errors import MitigationError
from fairgov.mitigate.variants import PROBE_VARIANTS, _field
from fairgov.mitigate.weights import cell_resample, cell_weights, cells, class_cells

__all__ = ["SoftmaxDROResult", "fit_softmax_variant", "softmax_group_dro", "softmax_weights"]


@dataclass(frozen=True)
class SoftmaxDROResult:
    coef: np.ndarray = field(repr=False)  # (d, k)
    intercept: np.ndarray = field(repr=False)  # (k,)
    q: dict[str, float]
    group_loss: dict[str, float]
    temperature: float
    iterations: int
    converged: bool


def softmax_group_dro(
    X: np.ndarray,
    y: np.ndarray,
    k: int,
    groups: np.ndarray,
    C: float,
    max_iter: int = 1000,
    step_size: float = 0.01,
) -> SoftmaxDROResult:
    """Group DRO of the softmax probe: minimise
    ``(1/tau) log(sum_g (1/G) exp(tau L_g(W, b))) + ||W||^2 / (2 C n)``, ``L_g`` = group g's
    mean cross-entropy, ``tau = step_size * max_iter`` (see :mod:`fairgov.mitigate.dro`, whose
    binary objective this is with k = 2 logits); X is already standardised, y the class index."""
    X, y, names, gi, n_g = dro_inputs(X, y, groups, step_size)
    G = len(names)
    n, d = X.shape
    onehot = np.eye(k)[y]
    tau = float(step_size) * max_iter
    lam = 1.0 / (C * n)
    log_prior = np.full(G, -np.log(G))

    def state(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        W, b = theta[: d * k].reshape(d, k), theta[d * k :]
        logp = log_softmax(X @ W + b, axis=1)
        L = np.bincount(gi, weights=-(onehot * logp).sum(axis=1), minlength=G) / n_g
        a = tau * L + log_prior
        return logp, L, np.exp(a - logsumexp(a))

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W = theta[: d * k].reshape(d, k)
        logp, L, q = state(theta)
        loss = logsumexp(tau * L + log_prior) / tau + 0.5 * lam * float((W * W).sum())
        gz = (np.exp(logp) - onehot) * (q / n_g)[gi][:, None]
        return float(loss), np.concatenate([(X.T @ gz + lam * W).ravel(), gz.sum(axis=0)])

    res = lbfgs(fun, np.zeros(d * k + k), max_iter)
    _, L, q = state(res.x)
    return SoftmaxDROResult(
        coef=res.x[: d * k].reshape(d, k).copy(),
        intercept=res.x[d * k :].copy(),
        q={str(nm): float(v) for nm, v in zip(names, q, strict=True)},
        group_loss={str(nm): float(v) for nm, v in zip(names, L, strict=True)},
        temperature=tau,
        iterations=int(res.nit),
        converged=bool(res.success),
    )


def softmax_weights(
    mitigation: Any, y_train: np.ndarray, g_train: np.ndarray, classes: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(sample weights, cell index per row, cell names) of a reweight / resample mitigation on
    the train rows (``y_train`` = class index per row), None for group DRO."""
    kind = _field(mitigation, "type")
    if kind == "group_dro":
        return None
    if kind not in ("reweight", "resample"):
        raise MitigationError(
            f"mitigation type {kind!r} does not re-fit the probe; one of "
            f"{', '.join(PROBE_VARIANTS)}",
            "FG474",
        )
    g = np.asarray(g_train).astype(str)
    if _field(mitigation, "with_label", False):
        ci, names = class_cells(g, np.asarray(classes)[np.asarray(y_train, dtype=int)], classes)
    else:
        ci, names = cells(g)
    if kind == "reweight":
        return cell_weights(ci), ci, names
    idx = cell_resample(ci, seed=int(_field(mitigation, "seed", 0)))
    return np.bincount(idx, minlength=len(g)).astype(np.float64), ci, names


def fit_softmax_variant(
    mitigation: Any,
    X_train: np.ndarray,
    Y_train: np.ndarray,
    g_train: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    X_test: np.ndarray,
    classes: list[str],
    cfg: ProbeConfig | None = None,
    record: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """(validation class probabilities, test class probabilities, probe record) of the softmax
    probe re-fitted under ``mitigation``; ``Y_*`` are one-hot (rows, classes), ``g_train`` the
    train rows' group labels for the mitigation's ``by``.

    ``record``, when given, is filled as :func:`fairgov.mitigate.variants.fit_probe_variant`
    fills it (cells ``group`` or ``group|class``)."""
    cfg = cfg or ProbeConfig()
    g = np.asarray(g_train).astype(str)
    Y_train = np.asarray(Y_train, dtype=int)
    if len(g) != len(X_train) or len(Y_train) != len(X_train):
        raise MitigationError(
            f"train embeddings ({len(X_train)}), labels ({len(Y_train)}) and "
            f"groups ({len(g)}) differ in length",
            "FG473",
        )
    y = Y_train.argmax(axis=1)
    got = softmax_weights(mitigation, y, g, classes)
    if got is not None:
        weights, ci, names = got
        val, test, probe = softmax_probe(
            X_train, Y_train, X_val, Y_val, X_test, cfg, sample_weight=weights
        )
        if record is not None:
            share = np.bincount(ci, weights=weights, minlength=len(names)) / weights.sum()
            record["cell_weight"] = {nm: float(v) for nm, v in zip(names, share, strict=True)}
            record["train_rows"] = len(g)
            if _field(mitigation, "type") == "resample":
                record["distinct_rows"] = int((weights > 0).sum())
        return val, test, probe
    step = float(_field(mitigation, "step_size", 0.01))
    fits: dict[float, SoftmaxDROResult] = {}

    def dro(Z: np.ndarray, yy: np.ndarray, k: int, C: float, it: int) -> tuple[Any, Any]:
        fits[C] = fitted = softmax_group_dro(Z, yy, k, g, C, max_iter=it, step_size=step)
        return fitted.coef, fitted.intercept

    val, test, probe = softmax_probe(X_train, Y_train, X_val, Y_val, X_test, cfg, fit=dro)
    if record is not None:
        chosen = fits[float(probe["C"])]  # type: ignore[arg-type]
        record.update(
            q=chosen.q,
            group_loss=chosen.group_loss,
            temperature=chosen.temperature,
            converged=chosen.converged,
        )
    return val, test, probe
