"""Task-level metrics of a multiclass evaluation: macro AUROC and balanced accuracy.

macro AUROC = the mean of the classes' one-vs-rest AUROCs (scikit-learn's
``roc_auc_score(multi_class="ovr", average="macro")``); balanced accuracy = the mean per-class
recall of the argmax decision (``balanced_accuracy_score``). Both per cell (overall and each
group), with percentile intervals from a patient (cluster) bootstrap drawn by the same
generator as the per-class metrics (``resample_counts``, same seed and resamples), and the gap
(largest minus smallest group value) computed inside each resample. A cell where a class has
fewer rows than ``min_rows`` has both metrics undefined (None with a reason).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from fairgov.reasons import Reason, undefined

from .bootstrap import resample_counts
from .config import BootstrapConfig

__all__ = ["TASK_METRICS", "task_metrics", "weighted_auroc"]

TASK_METRICS = ("macro_auroc", "balanced_accuracy")


def weighted_auroc(y: np.ndarray, s: np.ndarray, W: np.ndarray) -> np.ndarray:
    """AUROC of labels ``y`` and scores ``s`` under each column of row weights ``W`` (n, B),
    ties counted one half; NaN where a column has no positive or no negative weight."""
    order = np.argsort(s, kind="stable")
    s, y, W = s[order], y[order].astype(bool), W[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    P = np.add.reduceat(W * y[:, None], starts, axis=0)
    N = np.add.reduceat(W * ~y[:, None], starts, axis=0)
    below = np.cumsum(N, axis=0) - N
    tp, tn = P.sum(axis=0), N.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (P * (below + 0.5 * N)).sum(axis=0) / (tp * tn)
    out[(tp == 0) | (tn == 0)] = np.nan
    return out


def _cell(Y: np.ndarray, P: np.ndarray, W: np.ndarray) -> np.ndarray:
    """(2, B): macro AUROC and balanced accuracy under each weight column."""
    k = Y.shape[1]
    aucs = np.stack([weighted_auroc(Y[:, j], P[:, j], W) for j in range(k)])
    hit = (P.argmax(axis=1) == Y.argmax(axis=1)).astype(float)
    per_class = np.stack([(W * (Y[:, j] * hit)[:, None]).sum(0) for j in range(k)])
    totals = np.stack([(W * Y[:, j][:, None]).sum(0) for j in range(k)])
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = per_class / totals
    return np.stack([aucs.mean(axis=0), recall.mean(axis=0)])


def _percentile(samples: np.ndarray, level: float) -> tuple[float | None, float | None]:
    ok = samples[~np.isnan(samples)]
    if ok.size < 2:
        return None, None
    a = (1 - level) / 2
    lo, hi = np.quantile(ok, [a, 1 - a])
    return float(lo), float(hi)


def _undefined(reason: Reason) -> dict[str, Any]:
    """An undefined stat's record: its reason's English text and the reason itself."""
    return {
        "value": None, "ci_low": None, "ci_high": None, "reason": reason.text,
        "reasons": [reason.to_dict()],
    }


def _stat(
    point: float, samples: np.ndarray | None, level: float, reason: Reason | None
) -> dict[str, Any]:
    if reason is not None or not np.isfinite(point):
        return _undefined(reason or undefined())
    lo, hi = _percentile(samples, level) if samples is not None else (None, None)
    return {"value": float(point), "ci_low": lo, "ci_high": hi}


def task_metrics(
    Y: np.ndarray,
    P: np.ndarray,
    patients: np.ndarray,
    groups: dict[str, np.ndarray],
    classes: list[str],
    bootstrap: BootstrapConfig,
    min_rows: int = 1,
) -> dict[str, Any]:
    """``Y`` one-hot (n, k) classes, ``P`` (n, k) class scores, ``groups`` {attribute: labels}."""
    _, cluster = np.unique(patients, return_inverse=True)
    ncl = int(cluster.max()) + 1 if cluster.size else 0
    cells = {("", "overall"): np.ones(len(Y), dtype=bool)}
    for attr, labels in groups.items():
        for g in sorted({str(v) for v in labels}):
            cells[(attr, g)] = np.asarray(labels).astype(str) == g
    point = {key: _cell(Y[m], P[m], np.ones((int(m.sum()), 1)))[:, 0] for key, m in cells.items()}
    samples: dict[tuple[str, str], list[np.ndarray]] = {key: [] for key in cells}
    if bootstrap.resamples and ncl:
        for _, counts in resample_counts(bootstrap, [ncl], 500):
            W = counts[cluster]
            for key, m in cells.items():
                samples[key].append(_cell(Y[m], P[m], W[m]))
    boot = {k: np.concatenate(v, axis=1) if v else None for k, v in samples.items()}
    level = bootstrap.level

    def cell(key: tuple[str, str]) -> dict[str, Any]:
        m = cells[key]
        counts = {c: int(Y[m, j].sum()) for j, c in enumerate(classes)}
        thin = [c for c, n in counts.items() if n < min_rows]
        reason = (
            Reason("class-too-few-rows", {"minimum": min_rows, "classes": ", ".join(thin)})
            if thin
            else None
        )
        b = boot[key]
        return {
            "n": int(m.sum()),
            "n_clusters": int(np.unique(cluster[m]).size),
            "class_counts": counts,
            "metrics": {
                name: _stat(point[key][i], None if b is None else b[i], level, reason)
                for i, name in enumerate(TASK_METRICS)
            },
        }

    out: dict[str, Any] = {
        "classes": list(classes),
        "interval": "percentile",
        "resamples": bootstrap.resamples,
        "level": level,
        "seed": bootstrap.seed,
        "overall": cell(("", "overall")),
        "attributes": {},
    }
    for attr in groups:
        keys = [k for k in cells if k[0] == attr]
        block = {k[1]: cell(k) for k in keys}
        out["attributes"][attr] = {"groups": block, "gaps": _gaps(keys, block, point, boot, level)}
    return out


def _gaps(keys, block, point, boot, level) -> dict[str, Any]:
    """Per metric: largest minus smallest defined group value, inside each resample too."""
    out: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(TASK_METRICS):
        ok = [k for k in keys if block[k[1]]["metrics"][name]["value"] is not None]
        if len(ok) < 2:
            out[name] = _undefined(Reason("task-too-few-groups"))
            continue
        vals = np.array([point[k][i] for k in ok])
        gap = float(vals.max() - vals.min())
        samples = None
        if boot[ok[0]] is not None:
            mat = np.stack([boot[k][i] for k in ok])
            with warnings.catch_warnings():  # a resample where every group is undefined: NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                samples = np.nanmax(mat, axis=0) - np.nanmin(mat, axis=0)
        lo, hi = _percentile(samples, level) if samples is not None else (None, None)
        worst = min(ok, key=lambda k: point[k][i])[1]
        out[name] = {"value": gap, "ci_low": lo, "ci_high": hi, "group": worst}
    return out
