"""Operating-threshold policies, fitted on validation data only.

Predictions are ``score >= t``. Candidate thresholds are the distinct observed
scores plus one value just above the maximum ("predict nobody"), so a fitted
threshold never splits a tie: all rows sharing a score are classified together,
and the achieved rates on the fitting data are exactly those computed here.
Ties between candidates with the same objective value are broken towards the
*highest* threshold (fewest positive calls), which is the conservative choice.
"""

from __future__ import annotations

import numpy as np

from .errors import MetricsInputError

POLICIES = ("fixed", "target_fpr", "target_sensitivity", "max_f1", "youden")


def _curve(labels: np.ndarray, scores: np.ndarray):
    """Candidates in descending order with TP/FP counts at ``score >= candidate``."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last = np.r_[s[1:] != s[:-1], True]  # last row of each tie group
    tp = np.cumsum(y)[last]
    fp = np.cumsum(1 - y)[last]
    cand = s[last]
    above = np.nextafter(cand[0], np.inf)
    return np.r_[above, cand], np.r_[0, tp], np.r_[0, fp]


def fit_threshold(labels, scores, policy: str, value: float | None = None) -> float:
    """Fit an operating threshold on (validation) ``labels`` and ``scores``.

    * ``fixed``: returns ``value``.
    * ``target_fpr``: the threshold with the largest sensitivity among those whose
      FPR <= ``value`` (then lowest FPR, then highest threshold).
    * ``target_sensitivity``: the highest threshold whose TPR >= ``value``.
    * ``max_f1``: maximises F1 = 2TP / (2TP + FP + FN).
    * ``youden``: maximises TPR - FPR.
    """
    if policy not in POLICIES:
        raise MetricsInputError(f"unknown threshold policy {policy!r}; expected one of {POLICIES}")
    if policy == "fixed":
        if value is None:
            raise MetricsInputError("policy 'fixed' needs a value")
        return float(value)
    y = np.asarray(labels).astype(np.int64)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.ndim != 1 or not np.isin(y, (0, 1)).all():
        raise MetricsInputError("labels must be a 1-D 0/1 array matching scores")
    if not np.isfinite(s).all():
        raise MetricsInputError("scores must be finite")
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise MetricsInputError(
            f"fitting a threshold needs both classes ({n_pos} positives, {n_neg} negatives)"
        )
    if policy in ("target_fpr", "target_sensitivity") and (value is None or not 0 <= value <= 1):
        raise MetricsInputError(f"policy {policy!r} needs a value in [0, 1], got {value!r}")
    cand, tp, fp = _curve(y, s)
    tpr, fpr = tp / n_pos, fp / n_neg
    if policy == "target_fpr":
        ok = np.flatnonzero(fpr <= value)  # never empty: the first candidate has FPR 0
        best = ok[np.lexsort((-cand[ok], fpr[ok], -tpr[ok]))[0]]
    elif policy == "target_sensitivity":
        ok = np.flatnonzero(tpr >= value)  # never empty: the last candidate has TPR 1
        best = ok[np.argmax(cand[ok])]
    else:
        objective = 2 * tp / (2 * tp + fp + (n_pos - tp)) if policy == "max_f1" else tpr - fpr
        best = int(np.flatnonzero(objective == objective.max())[0])  # candidates descend
    return float(cand[best])
