"""Vectorised weighted metric kernels over a batch of weight vectors.

``segment_stats`` reduces a batch of cluster weights (clusters x B) to per-segment
sufficient statistics (B x S) with two matrix products and a blocked scan;
``metrics_from_stats`` turns them into metric values (NaN = undefined; the API
layer converts NaN to None plus a reason, so NaN never reaches the output).

The public ``weighted_*`` functions use the same code path with one row per
"cluster", so tests comparing them with scikit-learn also validate ``measure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .layout import CellLayout, build_layout


@dataclass(frozen=True)
class Stats:
    """Per-segment weighted sufficient statistics, each of shape (B, S)."""

    n: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    auc_num: np.ndarray  # sum over pos x neg pairs of 1[s+ > s-] + 1/2 1[tie]
    ap_sum: np.ndarray  # sum_k P_k * precision_k (AP = ap_sum / pos)
    brier_sum: np.ndarray
    ece_sum: np.ndarray  # sum over bins |sum (y - s)|
    resid_sum: np.ndarray  # sum (y - s)
    ece_debiased_sum: np.ndarray | None = None  # sum over bins sqrt(max(0, D_b^2 - Q_b))


LINEAR_METRICS = frozenset({"brier", "ece", "calibration_in_the_large"})
"""Metrics read from the linear product ``lin_t @ weights``."""

_BLOCK_ROWS = 256
"""Positive cells per scan block: keeps the working set of a block in cache."""
_TINY = 1e-300


def _scan_segment(p, a, start, stop, last_pred, acc, ap=True):
    """Running sums over positive cells [start, stop) of one segment, in cache-sized
    blocks. Fills acc rows: pos, neg_a, tp, fp_a, sum P*cumA, sum P*precision (the last
    only with ``ap``; without it that row stays 0)."""
    bsz = p.shape[1]
    carry_p, carry_a = np.zeros(bsz), np.zeros(bsz)
    cp = np.empty((min(_BLOCK_ROWS, stop - start), bsz))
    ca, d = np.empty_like(cp), np.empty_like(cp)
    for lo in range(start, stop, _BLOCK_ROWS):
        hi = min(stop, lo + _BLOCK_ROWS)
        m = hi - lo
        pb, cpb, cab, db = p[lo:hi], cp[:m], ca[:m], d[:m]
        np.cumsum(pb, axis=0, out=cpb)
        cpb += carry_p
        np.cumsum(a[lo:hi], axis=0, out=cab)
        cab += carry_a
        if lo <= last_pred < hi:
            acc[2], acc[3] = cpb[last_pred - lo], cab[last_pred - lo]
        acc[4] += np.einsum("kb,kb->b", pb, cab)
        if not ap:
            carry_p, carry_a = cpb[m - 1].copy(), cab[m - 1].copy()
            continue
        np.add(cpb, cab, out=db)
        np.maximum(db, _TINY, out=db)  # 0 only where cumP is 0 too: precision 0
        np.divide(cpb, db, out=db)
        acc[5] += np.einsum("kb,kb->b", db, pb)
        carry_p, carry_a = cpb[m - 1].copy(), cab[m - 1].copy()
    acc[0], acc[1] = carry_p, carry_a


def segment_stats(lay: CellLayout, weights_t: np.ndarray, need: frozenset[str] | None = None,
                  rank: np.ndarray | None = None) -> Stats:
    """Statistics for cluster weights ``weights_t`` of shape (n_clusters, B).

    ``need`` (metric names; None = all) skips work no needed metric reads: the linear
    product (Brier, ECE, calibration) and the precision scan (average precision). The
    statistics left out are NaN; the others are computed exactly as with everything.
    """
    kp, nseg, bsz = lay.kp, lay.n_segments, weights_t.shape[1]
    linear = need is None or not need.isdisjoint(LINEAR_METRICS)
    ap = need is None or "average_precision" in need
    r = np.asarray(lay.rank_t @ weights_t) if rank is None else rank  # rank: that product, given
    if linear:
        lin = np.asarray(lay.lin_t @ weights_t)
    else:
        lin = np.full((nseg * (2 * lay.n_bins + 1), bsz), np.nan)
    p, a = r[:kp], r[lay.row_a : lay.row_a + kp]
    acc = np.zeros((nseg, 6, bsz))
    for j in np.flatnonzero(lay.seg_kend > lay.seg_kstart):
        _scan_segment(p, a, lay.seg_kstart[j], lay.seg_kend[j], lay.last_pred[j], acc[j], ap)
    if not ap:
        acc[:, 5] = np.nan
    pos, neg_a, tp, fp_a, pa, ap_sum = (acc[:, i] for i in range(6))
    neg = neg_a + r[lay.row_tail : lay.row_tail + nseg]
    tie = r[lay.row_tie : lay.row_tie + lay.n_tie] * p[lay.tie_k]
    auc_num = pos * neg - pa + 0.5 * np.asarray(lay.tie_to_seg @ tie)
    nb = lay.n_bins
    d = lin[: nseg * nb].reshape(nseg, nb, bsz)
    q = lin[nseg * (nb + 1) :].reshape(nseg, nb, bsz)
    return Stats(
        n=(pos + neg).T,
        pos=pos.T,
        neg=neg.T,
        tp=tp.T,
        fp=(fp_a + r[lay.row_fpx : lay.row_fpx + nseg]).T,
        auc_num=auc_num.T,
        ap_sum=ap_sum.T,
        brier_sum=lin[nseg * nb : nseg * (nb + 1)].T,
        ece_sum=np.abs(d).sum(axis=1).T,
        resid_sum=d.sum(axis=1).T,
        ece_debiased_sum=np.sqrt(np.maximum(0.0, d * d - q)).sum(axis=1).T,
    )


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def metrics_from_stats(st: Stats) -> dict[str, np.ndarray]:
    """All registry metrics from statistics; NaN marks an undefined value. With the
    statistics for it, also "ece_debiased" (not a registry metric: it is reported beside
    the plug-in ECE): per bin sqrt(max(0, D^2 - Q)), Q the cluster-level variance estimate
    of the bin's residual sum D, so noise in a well-calibrated bin no longer counts."""
    fn = st.pos - st.tp
    tn = st.neg - st.fp
    both = np.where((st.pos > 0) & (st.neg > 0), st.pos * st.neg, 0.0)
    tpr = _div(st.tp, st.pos)
    tnr = _div(tn, st.neg)
    return {
        "auroc": _div(st.auc_num, both),
        "average_precision": _div(st.ap_sum, st.pos),
        "brier": _div(st.brier_sum, st.n),
        "ece": _div(st.ece_sum, st.n),
        "calibration_in_the_large": _div(-st.resid_sum, st.n),
        "tpr": tpr,
        "tnr": tnr,
        "fpr": _div(st.fp, st.neg),
        "fnr": _div(fn, st.pos),
        "ppv": _div(st.tp, st.tp + st.fp),
        "npv": _div(tn, tn + fn),
        "accuracy": _div(st.tp + tn, st.n),
        "balanced_accuracy": (tpr + tnr) / 2,
        "selection_rate": _div(st.tp + st.fp, st.n),
    } | ({} if st.ece_debiased_sum is None else {"ece_debiased": _div(st.ece_debiased_sum, st.n)})


ArrayLike = np.ndarray | list


def _prepare(labels: ArrayLike, scores: ArrayLike, weights: ArrayLike | None, groups=None):
    y = np.asarray(labels).astype(np.int8)
    s = np.asarray(scores, dtype=float)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    squeeze = w.ndim == 1
    w2 = np.atleast_2d(w)
    if groups is None:
        codes, names = np.zeros(y.size, dtype=np.int64), np.array(["all"])
    else:
        names, codes = np.unique(np.asarray(groups), return_inverse=True)
    return y, s, w2, codes, names, squeeze


def weighted_group_metrics(
    labels: ArrayLike,
    scores: ArrayLike,
    weights: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    threshold: float = 0.5,
    ece_bins: int = 10,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Metrics per group for each weight row: returns (group names, {metric: (B, G)}).

    ``weights`` is (n,) or (B, n) non-negative row weights (e.g. bootstrap counts);
    each row is its own cluster. Undefined values are NaN.
    """
    y, s, w, codes, names, _ = _prepare(labels, scores, weights, groups)
    lay = build_layout(y, s, codes, names.size, np.arange(y.size), y.size, threshold, ece_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = metrics_from_stats(segment_stats(lay, np.ascontiguousarray(w.T)))
    out.pop("ece_debiased", None)  # registry metrics only (rows are clusters here)
    return names, out


def _single(metric: str, labels, scores, weights, threshold=0.5, ece_bins=10) -> Any:
    _, m = weighted_group_metrics(labels, scores, weights, None, threshold, ece_bins)
    out = m[metric][:, 0]
    return float(out[0]) if np.ndim(weights) < 2 else out


def weighted_auroc(labels: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None) -> Any:
    """Tie-aware weighted AUROC (Mann-Whitney, ties 1/2).

    All ``weighted_*`` kernels return a float for None/1-D weights and a (B,) array
    for a (B, n) weight matrix; undefined values are NaN (``measure`` turns them
    into None with a reason).
    """
    return _single("auroc", labels, scores, weights)


def weighted_average_precision(
    labels: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None
) -> Any:
    """Weighted average precision, identical to sklearn ``average_precision_score``."""
    return _single("average_precision", labels, scores, weights)


def weighted_brier(labels: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None) -> Any:
    """Weighted mean squared error of the score."""
    return _single("brier", labels, scores, weights)


def weighted_ece(
    labels: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None, bins: int = 10
) -> Any:
    """Weighted ECE with ``bins`` equal-width bins on [0, 1] (edges j/bins, last closed)."""
    return _single("ece", labels, scores, weights, ece_bins=bins)


def weighted_rate(
    metric: str,
    labels: ArrayLike,
    scores: ArrayLike,
    weights: ArrayLike | None = None,
    threshold: float = 0.5,
) -> Any:
    """Any thresholded registry metric (tpr, fpr, ppv, ...) at ``score >= threshold``."""
    return _single(metric, labels, scores, weights, threshold=threshold)
