"""Per-group decision thresholds fitted on validation scores (decision-stage mitigation).

A row is flagged when ``score >= threshold`` of its group. The thresholds are observed
validation scores (``+inf``: flag nothing, ``-inf``: flag everything), so "the largest
threshold" is well defined. Objectives:

``target_sensitivity``
    each group's threshold is the largest one whose validation TPR is >= ``value``.
    ``randomized``: the group mixes that threshold with the next larger one so that its TPR
    equals ``value`` exactly.
``equal_opportunity``
    equal TPR across groups at the common level that maximises overall validation accuracy.
    ``randomized`` (exact, as fairlearn's ThresholdOptimizer with
    ``constraints="true_positive_rate_parity"``, ``objective="accuracy_score"``): every group
    moves on the upper convex hull of its (TPR, accuracy) points, mixing two thresholds, and
    the common TPR maximises the overall accuracy; fairlearn searches a grid of levels, here
    the optimum is found exactly among the hull vertices (the objective is piecewise linear
    and concave in the level), ties going to the lowest level. Deterministic rule: for a
    common level tau each group takes the largest threshold with TPR >= tau; tau ranges over
    every TPR some group attains and the best overall accuracy wins (ties: the lowest tau).
``equalized_odds``
    equal TPR and FPR across groups. ``randomized`` (exact, as fairlearn's
    ``constraints="equalized_odds"``): the common operating point (FPR x, TPR y) maximises
    overall validation accuracy under every group's ROC convex hull (a two-variable linear
    programme, solved exactly; among optima the lowest x, as fairlearn's grid search picks);
    each group realises it by mixing two hull thresholds and, with probability ``p_ignore``,
    a score-independent coin that flags with probability x. Deterministic rule (equal rates
    are then only approximate): each group takes the single threshold whose ROC point is
    nearest to that common point (max-norm; ties: the larger threshold).

Randomised flags draw one uniform number per row from ``numpy.random.default_rng(seed)``:
the same scores, groups and seed give the same flags.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.optimize import linprog

from fairgov.mitigate.errors import MitigationError

__all__ = ["OBJECTIVES", "GroupThresholds", "fit_group_thresholds"]

Objective = Literal["target_sensitivity", "equal_opportunity", "equalized_odds"]
OBJECTIVES: tuple[str, ...] = ("target_sensitivity", "equal_opportunity", "equalized_odds")
Mix = tuple[tuple[float, float], ...]


def _num(t: float) -> float | str:
    return t if math.isfinite(t) else ("inf" if t > 0 else "-inf")


@dataclass(frozen=True)
class GroupThresholds:
    """Fitted thresholds. ``thresholds[g]``: the group's threshold (randomised: its most
    probable one); ``mix[g]`` (randomised only): ``((threshold, probability), ...)``, the
    distribution a row of group g draws its threshold from (probabilities sum to 1)."""

    by: str
    thresholds: dict[str, float]
    mix: dict[str, Mix] | None
    objective: str
    value: float | None = None
    randomized: bool = False

    def _check_groups(self, g: np.ndarray) -> None:
        unknown = sorted(set(np.unique(g).tolist()) - set(self.thresholds))
        if unknown:
            raise MitigationError(
                f"group thresholds by {self.by or 'group'!r} have no threshold for group(s) "
                f"{', '.join(map(repr, unknown))} (absent from the validation rows)",
                "FG472",
            )

    def positive_probability(self, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """P(flag) per row (0/1 without randomisation): the expectation of :meth:`flags`."""
        s, g = _inputs(scores, groups)
        self._check_groups(g)
        out = np.zeros(len(s))
        for name in np.unique(g):
            rows = g == name
            for t, p in self._ops(str(name)):
                out[rows] += p * (s[rows] >= t)
        return out

    def _ops(self, name: str) -> Mix:
        if self.mix is None:
            return ((self.thresholds[name], 1.0),)
        return self.mix[name]

    def flags(self, scores: np.ndarray, groups: np.ndarray, seed: int = 0) -> np.ndarray:
        """Boolean flags; randomised thresholds draw from ``default_rng(seed)``."""
        s, g = _inputs(scores, groups)
        self._check_groups(g)
        if self.mix is None:
            names, gi = np.unique(g, return_inverse=True)
            thr = np.array([self.thresholds[str(x)] for x in names])
            return s >= thr[gi]
        u = np.random.default_rng(seed).random(len(s))
        out = np.zeros(len(s), dtype=bool)
        for name in np.unique(g):
            rows = np.flatnonzero(g == name)
            ops = self._ops(str(name))
            ts = np.array([t for t, _ in ops])
            cum = np.cumsum([p for _, p in ops])
            j = np.minimum(np.searchsorted(cum, u[rows], side="right"), len(ops) - 1)
            out[rows] = s[rows] >= ts[j]
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (infinite thresholds as the strings "inf" / "-inf")."""
        return {
            "by": self.by,
            "objective": self.objective,
            "value": self.value,
            "randomized": self.randomized,
            "thresholds": {g: _num(t) for g, t in sorted(self.thresholds.items())},
            "mix": None
            if self.mix is None
            else {g: [[_num(t), p] for t, p in ops] for g, ops in sorted(self.mix.items())},
        }


def _inputs(scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    g = np.asarray(groups).astype(str)
    if s.ndim != 1 or s.shape != g.shape:
        raise MitigationError(
            f"scores ({s.shape}) and groups ({g.shape}) must be 1-d arrays of one length", "FG473"
        )
    if not np.all(np.isfinite(s)):
        raise MitigationError("scores must be finite", "FG473")
    return s, g


@dataclass(frozen=True)
class _Roc:
    """Operating points of one group: flag iff score >= thr[k] gives (fpr[k], tpr[k])."""

    thr: np.ndarray  # +inf first, then distinct scores descending
    tpr: np.ndarray
    fpr: np.ndarray
    P: int
    N: int

    @property
    def acc(self) -> np.ndarray:
        n = self.P + self.N
        return (self.tpr * self.P + (1.0 - self.fpr) * self.N) / n


def _roc(s: np.ndarray, y: np.ndarray) -> _Roc:
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], y[order]
    last = np.r_[ss[1:] != ss[:-1], True]
    tp = np.cumsum(yy)[last]
    fp = np.cumsum(1 - yy)[last]
    P, N = int(yy.sum()), int(len(yy) - yy.sum())
    thr = np.r_[np.inf, ss[last]]
    tpr = np.r_[0.0, tp / P] if P else np.zeros(len(thr))
    fpr = np.r_[0.0, fp / N] if N else np.zeros(len(thr))
    return _Roc(thr, tpr, fpr, P, N)


def _upper_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the upper convex hull of the points sorted by (x, y) (Andrew's monotone
    chain; a middle point on or below the chord is dropped, as fairlearn does)."""
    order = np.lexsort((y, x))
    keep: list[int] = []
    for i in order:
        while len(keep) >= 2:
            a, b = keep[-2], keep[-1]
            if (y[b] - y[a]) * (x[i] - x[a]) <= (y[i] - y[a]) * (x[b] - x[a]):
                keep.pop()
            else:
                break
        keep.append(int(i))
    return np.array(keep)


def _segment(hx: np.ndarray, x: float) -> tuple[int, float]:
    """(i, p0) with hx[i] < x <= hx[i+1] (at x == hx[0]: the last vertex at hx[0]) and
    p0 = the weight of vertex i in the interpolation (fairlearn's convention)."""
    i = int(np.searchsorted(hx, x, side="right")) - 1
    if i > 0 and x == hx[i] and x > hx[0]:
        i -= 1
    i = min(i, len(hx) - 2)
    p0 = (hx[i + 1] - x) / (hx[i + 1] - hx[i])
    return i, float(p0)


def _mix_ops(ops: list[tuple[float, float]]) -> Mix:
    merged: dict[float, float] = {}
    for t, p in ops:
        if p > 0:
            merged[t] = merged.get(t, 0.0) + p
    total = sum(merged.values())
    return tuple((t, p / total) for t, p in sorted(merged.items(), reverse=True))


def _lead(ops: Mix) -> float:
    return max(ops, key=lambda tp: tp[1])[0]


def fit_group_thresholds(
    scores_val: np.ndarray,
    y_val: np.ndarray,
    groups_val: np.ndarray,
    objective: str,
    value: float | None = None,
    randomized: bool = False,
    seed: int = 0,
    by: str = "",
    required: Sequence[str] | None = None,
) -> GroupThresholds:
    """Fit per-group thresholds on validation rows (see the module docstring).

    ``required``: every group that will need a threshold (e.g. the groups the test rows or
    the datasheet have; only their names are used); one absent from the validation rows is
    FG471 at fit time instead of FG472 when flagging. ``seed`` is kept for the record
    (fitting is deterministic; flags take their own seed).
    """
    del seed
    s, g = _inputs(scores_val, groups_val)
    y = np.asarray(y_val)
    if y.shape != s.shape:
        raise MitigationError("validation labels and scores differ in length", "FG473")
    y = y.astype(bool).astype(np.int64)
    if objective not in OBJECTIVES:
        raise MitigationError(
            f"unknown threshold objective {objective!r}; one of {', '.join(OBJECTIVES)}", "FG473"
        )
    if objective == "target_sensitivity" and (value is None or not (0 < float(value) <= 1)):
        raise MitigationError(f"target_sensitivity needs a value in (0, 1], got {value!r}", "FG473")
    names = [str(x) for x in np.unique(g)]
    if not names:
        raise MitigationError("no validation rows to fit group thresholds on", "FG471")
    absent = sorted(set(map(str, required or ())) - set(names))
    if absent:
        raise MitigationError(
            f"group(s) {', '.join(map(repr, absent))} of {by or 'the attribute'!r} have no "
            "validation rows, so no threshold can be fitted for them",
            "FG471",
        )
    rocs: dict[str, _Roc] = {}
    for name in names:
        rows = g == name
        roc = _roc(s[rows], y[rows])
        need = ("positives",) if objective == "target_sensitivity" else ("positives", "negatives")
        for word, count in (("positives", roc.P), ("negatives", roc.N)):
            if word in need and count == 0:
                raise MitigationError(
                    f"group {name!r} has no validation {word}: its {objective} threshold "
                    "cannot be fitted",
                    "FG471",
                )
        rocs[name] = roc
    if objective == "target_sensitivity":
        assert value is not None  # checked above
        thr, mix = _target_sensitivity(rocs, float(value), randomized)
    elif objective == "equal_opportunity":
        thr, mix = _equal_opportunity(rocs, randomized)
    else:
        thr, mix = _equalized_odds(rocs, randomized)
    return GroupThresholds(
        by=by,
        thresholds=thr,
        mix=mix,
        objective=objective,
        value=float(value) if objective == "target_sensitivity" and value is not None else None,
        randomized=randomized,
    )


Fitted = tuple[dict[str, float], dict[str, Mix] | None]


def _target_sensitivity(rocs: dict[str, _Roc], value: float, randomized: bool) -> Fitted:
    thr: dict[str, float] = {}
    mix: dict[str, Mix] = {}
    for name, r in rocs.items():
        # first (largest) threshold with TPR >= value; the 1e-12 guards value*P rounding
        k = int(np.searchsorted(r.tpr, value - 1e-12, side="left"))
        thr[name] = float(r.thr[k])
        if randomized:
            lo, hi = r.tpr[k - 1], r.tpr[k]
            p = 1.0 if hi <= value else (value - lo) / (hi - lo)
            mix[name] = _mix_ops([(float(r.thr[k]), p), (float(r.thr[k - 1]), 1.0 - p)])
            thr[name] = _lead(mix[name])
    return thr, (mix if randomized else None)


def _equal_opportunity(rocs: dict[str, _Roc], randomized: bool) -> Fitted:
    n = sum(r.P + r.N for r in rocs.values())
    if randomized:
        hulls = {}
        for name, r in rocs.items():
            h = _upper_hull(r.tpr, r.acc)
            hulls[name] = (r.tpr[h], r.acc[h], r.thr[h])
        cands = np.unique(np.concatenate([hx for hx, _, _ in hulls.values()]))
        total = np.zeros(len(cands))
        for name, (hx, hy, _) in hulls.items():
            w = (rocs[name].P + rocs[name].N) / n
            total += w * np.array([_interp(hx, hy, x) for x in cands])
        best = float(cands[int(np.argmax(total >= total.max() - 1e-12))])
        mix = {}
        for name, (hx, _, ht) in hulls.items():
            i, p0 = _segment(hx, best)
            mix[name] = _mix_ops([(float(ht[i]), p0), (float(ht[i + 1]), 1.0 - p0)])
        return {k: _lead(v) for k, v in mix.items()}, mix
    cands = np.unique(np.concatenate([r.tpr for r in rocs.values()]))
    correct = np.zeros(len(cands))
    idx = {}
    for name, r in rocs.items():
        k = np.minimum(np.searchsorted(r.tpr, cands - 1e-12, side="left"), len(r.tpr) - 1)
        idx[name] = k
        correct += r.tpr[k] * r.P + (1.0 - r.fpr[k]) * r.N
    j = int(np.argmax(correct >= correct.max() - 1e-9))
    return {name: float(r.thr[idx[name][j]]) for name, r in rocs.items()}, None


def _interp(hx: np.ndarray, hy: np.ndarray, x: float) -> float:
    i, p0 = _segment(hx, x)
    return float(p0 * hy[i] + (1.0 - p0) * hy[i + 1])


def _equalized_odds(rocs: dict[str, _Roc], randomized: bool) -> Fitted:
    P = sum(r.P for r in rocs.values())
    N = sum(r.N for r in rocs.values())
    hulls = {}
    rows, rhs = [], []
    for name, r in rocs.items():
        h = _upper_hull(r.fpr, r.tpr)
        hx, hy, ht = r.fpr[h], r.tpr[h], r.thr[h]
        hulls[name] = (hx, hy, ht)
        for j in range(len(hx) - 1):
            dx = hx[j + 1] - hx[j]
            if dx <= 0:
                continue  # a vertical hull edge (at FPR 0) constrains nothing
            slope = (hy[j + 1] - hy[j]) / dx
            rows.append([-slope, 1.0])  # y - slope * x <= hy_j - slope * hx_j
            rhs.append(hy[j] - slope * hx[j])
    A, b = np.array(rows), np.array(rhs)
    bounds = [(0.0, 1.0), (0.0, 1.0)]
    # maximise accuracy*n = P*y + N*(1 - x); then the lowest x among the optima
    first = linprog([N, -P], A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if not first.success:  # pragma: no cover - the LP is always feasible ((0,0)) and bounded
        raise MitigationError(f"equalized-odds programme failed: {first.message}", "FG473")
    best = -first.fun
    A2 = np.vstack([A, [[float(N), -float(P)]]])
    b2 = np.r_[b, -(best - 1e-9 * max(P + N, 1))]
    second = linprog([1.0, 0.0], A_ub=A2, b_ub=b2, bounds=bounds, method="highs")
    x = float(second.x[0]) if second.success else float(first.x[0])
    y = min(_interp(hx, hy, x) for hx, hy, _ in hulls.values())
    if randomized:
        mix = {}
        for name, (hx, hy, ht) in hulls.items():
            i, p0 = _segment(hx, x)
            yg = float(p0 * hy[i] + (1.0 - p0) * hy[i + 1])
            p_ignore = 0.0 if yg == x else (yg - y) / (yg - x)
            mix[name] = _mix_ops(
                [
                    (float(ht[i]), (1.0 - p_ignore) * p0),
                    (float(ht[i + 1]), (1.0 - p_ignore) * (1.0 - p0)),
                    (-math.inf, p_ignore * x),
                    (math.inf, p_ignore * (1.0 - x)),
                ]
            )
        return {k: _lead(v) for k, v in mix.items()}, mix
    thr = {}
    for name, r in rocs.items():
        dist = np.maximum(np.abs(r.fpr - x), np.abs(r.tpr - y))
        thr[name] = float(r.thr[int(np.argmin(dist))])
    return thr, None
