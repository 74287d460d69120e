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


def _scan_counts(p, a, start, stop, last_pred, acc):
    """`_scan_segment` without AP for integer-valued P and A (counts): P's sums are taken
    directly instead of from its running sum; every sum of integers below 2**53 is exact
    in any order, so the values are those of the full scan."""
    acc[0] = p[start:stop].sum(axis=0)
    if last_pred >= start:
        acc[2] = p[start : last_pred + 1].sum(axis=0)
    bsz = p.shape[1]
    carry_a = np.zeros(bsz)
    ca = np.empty((min(_BLOCK_ROWS, stop - start), bsz))
    for lo in range(start, stop, _BLOCK_ROWS):
        hi = min(stop, lo + _BLOCK_ROWS)
        cab = ca[: hi - lo]
        np.cumsum(a[lo:hi], axis=0, out=cab)
        cab += carry_a
        if lo <= last_pred < hi:
            acc[3] = cab[last_pred - lo]
        acc[4] += np.einsum("kb,kb->b", p[lo:hi], cab)
        carry_a = cab[hi - lo - 1].copy()
    acc[1] = carry_a


def segment_stats(lay: CellLayout, weights_t: np.ndarray, need: frozenset[str] | None = None,
                  rank: np.ndarray | None = None, counts: bool = False) -> Stats:
    """Statistics for cluster weights ``weights_t`` of shape (n_clusters, B).

    ``need`` (metric names; None = all) skips work no needed metric reads: the linear
    product (Brier, ECE, calibration) and the precision scan (average precision). The
    statistics left out are NaN; the others are computed exactly as with everything.
    ``counts``: the weights (and so P and A) are integers, as in ``measure``; without AP
    the scan then sums P directly (`_scan_counts`, same values).
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
        if counts and not ap:
            _scan_counts(p, a, lay.seg_kstart[j], lay.seg_kend[j], lay.last_pred[j], acc[j])
        else:
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


def linear_metrics(lay: CellLayout, weights_t: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    """The metrics of the linear product alone (``LINEAR_METRICS`` and "ece_debiased"), as
    ``metrics_from_stats`` computes them, for weights (n_clusters, B) with ``n`` (B, S) the
    weighted rows of each segment."""
    nseg, nb, bsz = lay.n_segments, lay.n_bins, weights_t.shape[1]
    lin = np.asarray(lay.lin_t @ weights_t)
    d = lin[: nseg * nb].reshape(nseg, nb, bsz)
    q = lin[nseg * (nb + 1) :].reshape(nseg, nb, bsz)
    return {
        "brier": _div(lin[nseg * nb : nseg * (nb + 1)].T, n),
        "ece": _div(np.abs(d).sum(axis=1).T, n),
        "calibration_in_the_large": _div(-d.sum(axis=1).T, n),
        "ece_debiased": _div(np.sqrt(np.maximum(0.0, d * d - q)).sum(axis=1).T, n),
    }


MIX_RATES = frozenset({"ppv", "npv", "accuracy", "selection_rate"})
"""Thresholded rates whose denominator mixes positives and negatives (they move with the label
mix, unlike tpr/fpr/tnr/fnr); ``mix_rates`` computes them as ``metrics_from_stats`` does."""


def mix_rates(tp: np.ndarray, fp: np.ndarray, pos: np.ndarray, neg: np.ndarray):
    """``MIX_RATES`` from weighted tp, fp, positives and negatives of any (equal) shape."""
    fn, tn = pos - tp, neg - fp
    return {
        "ppv": _div(tp, tp + fp),
        "npv": _div(tn, tn + fn),
        "accuracy": _div(tp + tn, pos + neg),
        "selection_rate": _div(tp + fp, pos + neg),
    }


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


def _group_sum(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=size) if keys.size else np.zeros(size)


def deleted_block_stats(lay: CellLayout, block: np.ndarray, n_blocks: int) -> Stats:
    """Rank statistics (no linear part, no AP) of the delete-a-block jackknife, (J, S) each.

    Column b deletes the clusters with ``block == b``. Each statistic is the total minus
    what block b contributes; the one quadratic term, sum_k P_k cumA_k, expands into the
    total, two sums over the block's own entries against the totals' running sums, and
    a sum over pairs within the block, so the work is a sort of the layout's entries
    instead of a scan of every positive cell per deleted block. Only for ``rank_t`` of
    counts whose every sum and product is an integer below 2**52 (``api._exact_counts``
    plus a bound on the pair count): then each value is the same integer the scan gives.
    """
    kp, nseg, J = lay.kp, lay.n_segments, int(n_blocks)
    coo = lay.rank_t.tocoo()
    row, blk, v = coo.row.astype(np.int64), block[coo.col].astype(np.int64), coo.data
    seg_of_k = np.repeat(np.arange(nseg), lay.seg_kend - lay.seg_kstart)
    totals = np.asarray(lay.rank_t.sum(axis=1)).ravel()
    p_tot, a_tot = totals[:kp], totals[kp : 2 * kp]
    is_p, is_a = row < kp, (row >= kp) & (row < 2 * kp)
    kk = np.where(is_p, row, row - kp)
    # running sums of the totals within each segment
    starts = lay.seg_kstart[seg_of_k] if kp else np.zeros(0, dtype=np.int64)
    c_tot = np.cumsum(a_tot)
    c_tot = c_tot - (
        np.concatenate([[0.0], c_tot])[starts] if kp else 0.0
    )  # cumA within segment, k included
    cp = np.cumsum(p_tot)
    ends = lay.seg_kend[seg_of_k] if kp else np.zeros(0, dtype=np.int64)
    rp_tot = (
        (cp[ends - 1] - cp + p_tot) if kp else np.zeros(0)
    )  # sum of P over k' >= k in the segment
    pred = (
        kk <= lay.last_pred[seg_of_k[np.minimum(kk, max(kp - 1, 0))]]
        if kp
        else np.zeros(row.size, bool)
    )
    size = J * nseg

    def per_block(mask: np.ndarray, seg: np.ndarray, values: np.ndarray) -> np.ndarray:
        return _group_sum(blk[mask] * nseg + seg, values, size).reshape(J, nseg)

    sk = seg_of_k[kk[is_p | is_a]] if kp else np.zeros(0, dtype=np.int64)
    seg_pa = np.zeros(row.size, dtype=np.int64)
    seg_pa[is_p | is_a] = sk
    # totals per segment (as the scan computes them)
    tot_pos = _group_sum(seg_of_k, p_tot, nseg)
    tot_nega = _group_sum(seg_of_k, a_tot, nseg)
    pk = np.arange(kp)
    in_pred = pk <= lay.last_pred[seg_of_k] if kp else np.zeros(0, bool)
    tot_tp = _group_sum(seg_of_k[in_pred], p_tot[in_pred], nseg)
    tot_fpa = _group_sum(seg_of_k[in_pred], a_tot[in_pred], nseg)
    tot_pa = _group_sum(seg_of_k, p_tot * c_tot, nseg)
    tail_tot = totals[lay.row_tail : lay.row_tail + nseg]
    fpx_tot = totals[lay.row_fpx : lay.row_fpx + nseg]

    pos = tot_pos - per_block(is_p, seg_pa[is_p], v[is_p])
    neg_a = tot_nega - per_block(is_a, seg_pa[is_a], v[is_a])
    tp = tot_tp - per_block(is_p & pred, seg_pa[is_p & pred], v[is_p & pred])
    fp_a = tot_fpa - per_block(is_a & pred, seg_pa[is_a & pred], v[is_a & pred])
    is_tail = (row >= lay.row_tail) & (row < lay.row_fpx)
    is_fpx = (row >= lay.row_fpx) & (row < lay.row_tie)
    tail = tail_tot - per_block(is_tail, row[is_tail] - lay.row_tail, v[is_tail])
    fpx = fpx_tot - per_block(is_fpx, row[is_fpx] - lay.row_fpx, v[is_fpx])
    # sum_k (P - P_b)(C - C_b) = pa - sum P_b C - sum A_b RP + sum P_b C_b
    t1 = per_block(is_p, seg_pa[is_p], v[is_p] * c_tot[kk[is_p]]) if kp else np.zeros((J, nseg))
    t2 = per_block(is_a, seg_pa[is_a], v[is_a] * rp_tot[kk[is_a]]) if kp else np.zeros((J, nseg))
    sel = np.flatnonzero(is_p | is_a)
    # within the block: sort its entries by (block, cell), A before P at the same cell
    key = (blk[sel] * max(kp, 1) + kk[sel]) * 2 + is_p[sel]
    order = np.argsort(key, kind="stable")
    s_idx = sel[order]
    s_a = np.where(is_a[s_idx], v[s_idx], 0.0)
    run = np.cumsum(s_a)
    group = blk[s_idx] * nseg + seg_pa[s_idx]
    first = np.ones(s_idx.size, dtype=bool)
    first[1:] = group[1:] != group[:-1]
    base = np.maximum.accumulate(np.where(first, np.arange(s_idx.size), 0)) if s_idx.size else s_idx
    before = (
        (run - s_a)[base] if s_idx.size else run
    )  # running sum just before each group's first entry
    c_blk = run - before
    ps = is_p[s_idx]
    t3 = _group_sum(group[ps], v[s_idx[ps]] * c_blk[ps], size).reshape(J, nseg)
    pa = tot_pa - t1 - t2 + t3
    # ties: sum over tied cells t of (T - T_b)(P_k - P_bk), k = tie_k[t]
    tie_seg = np.zeros((J, nseg))
    if lay.n_tie:
        t_seg = seg_of_k[lay.tie_k]
        t_tot = totals[lay.row_tie : lay.row_tie + lay.n_tie]
        is_t = row >= lay.row_tie
        tt = row[is_t] - lay.row_tie
        tie_of_k = np.full(kp, -1, dtype=np.int64)
        tie_of_k[lay.tie_k] = np.arange(lay.n_tie)
        pt_mask = is_p & (tie_of_k[np.minimum(kk, kp - 1)] >= 0)
        pt = tie_of_k[kk[pt_mask]]
        whole = _group_sum(t_seg, t_tot * p_tot[lay.tie_k], nseg)
        u1 = per_block(is_t, t_seg[tt], v[is_t] * p_tot[lay.tie_k][tt])
        u2 = per_block(pt_mask, t_seg[pt], v[pt_mask] * t_tot[pt])
        kt, it = np.unique(blk[is_t] * lay.n_tie + tt, return_inverse=True)
        st = np.bincount(it.ravel(), weights=v[is_t])
        kq, iq = np.unique(blk[pt_mask] * lay.n_tie + pt, return_inverse=True)
        sq = np.bincount(iq.ravel(), weights=v[pt_mask])
        _, a_i, b_i = np.intersect1d(kt, kq, assume_unique=True, return_indices=True)
        both = kt[a_i]
        u3 = _group_sum(
            (both // lay.n_tie) * nseg + t_seg[both % lay.n_tie], st[a_i] * sq[b_i], size
        ).reshape(J, nseg)
        tie_seg = whole - u1 - u2 + u3
    neg = neg_a + tail
    nan = np.full((J, nseg), np.nan)
    return Stats(
        n=pos + neg,
        pos=pos,
        neg=neg,
        tp=tp,
        fp=fp_a + fpx,
        auc_num=pos * neg - pa + 0.5 * tie_seg,
        ap_sum=nan,
        brier_sum=nan,
        ece_sum=nan,
        resid_sum=nan,
        ece_debiased_sum=nan.copy(),
    )
