"""Rank statistics of integer cluster counts, resample by resample (the bootstrap's fast path).

``kernels.segment_stats`` reduces a batch of weights with one sparse product (clusters x B)
and a scan of every positive cell; for the bootstrap's integer counts and metrics that read
only counts and the AUROC pair sum (no linear part, no average precision), this module gets
the same integers with gathers and running sums over rows in integer arithmetic:

rows sorted by (segment, score descending); for resample b with counts w (clusters,),
``C`` the running sum of the negatives' weights in that order (C[0] = 0) and for a positive
row i ``hi_i`` / ``lo_i`` the number of negatives before the end / the start of its tie group,

* pos, tp: sums of the positives' weights (all / those scoring >= threshold),
* neg, fp: differences of C at the segment's bounds (and at its threshold position),
* 2 * auc_num = 2 C[seg end] pos - sum_i w_i (C[hi_i] + C[lo_i])
  (pairs ranked correctly, ties counted one half).

Every value is an integer (or a half) computed exactly in int64; `count_stats` returns None
unless each resample's positive x negative weight product is below 2**52, where the float
scan of `segment_stats` is exact too, so the values are bit-identical to it (tested).
The per-resample working set is a few arrays of the layout's rows, instead of one
(positive cells x B) block per chunk whose gather reads each cluster's B weights at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import compiled
from .kernels import Stats
from .layout import sort_order

EXACT = 2.0**52


@dataclass(frozen=True)
class CountLayout:
    n_segments: int
    neg_cluster: np.ndarray  # (n_neg,) cluster of each negative row, sorted order
    pos_cluster: np.ndarray  # (n_pos,) cluster of each positive row, sorted order
    pos_hi: np.ndarray  # (n_pos,) negatives before the end of the row's tie group
    tied: np.ndarray  # positive rows whose tie group holds negatives
    tied_lo: np.ndarray  # (tied,) negatives before the start of their tie group
    tied_start: np.ndarray  # (S + 1,) tied-row bounds of the segments
    pos_start: np.ndarray  # (S + 1,) positive-row bounds of the segments
    pos_thr: np.ndarray  # (S,) end of the segment's positives scoring >= threshold
    neg_start: np.ndarray  # (S + 1,) negative-row bounds of the segments
    neg_thr: np.ndarray  # (S,) end of the segment's negatives scoring >= threshold


def count_layout(
    labels: np.ndarray,
    scores: np.ndarray,
    segments: np.ndarray,
    n_segments: int,
    clusters: np.ndarray,
    threshold: float,
    order: np.ndarray | None = None,
) -> CountLayout:
    """The count layout of rows with integer ``segments`` and ``clusters`` codes; ``order``
    as for `layout.build_layout`."""
    order = sort_order(scores, segments) if order is None else order
    y = labels[order].astype(bool)
    s = scores[order]
    g = segments[order].astype(np.int64)
    c = clusters[order].astype(np.int64)
    n = y.size
    new = np.ones(n, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    cell = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    neg_before = np.concatenate([[0], np.cumsum(~y)])  # negatives in rows [0, i)
    lo = neg_before[starts][cell]
    hi = neg_before[ends][cell]
    segs = np.arange(n_segments + 1)
    gp, gn = g[y], g[~y]
    pos_start = np.searchsorted(gp, segs, side="left")
    neg_start = np.searchsorted(gn, segs, side="left")
    above = s >= threshold
    pos_thr = pos_start[:-1] + np.bincount(gp[above[y]], minlength=n_segments)
    neg_thr = neg_start[:-1] + np.bincount(gn[above[~y]], minlength=n_segments)
    tied = np.flatnonzero((hi != lo)[y])
    idx = np.int32 if max(n, int(clusters.max(initial=0)) + 1) < 2**31 else np.int64
    return CountLayout(  # indices as int32 where they fit: half the memory, faster gathers
        n_segments,
        c[~y].astype(idx),
        c[y].astype(idx),
        hi[y].astype(idx),
        tied,
        lo[y][tied],
        np.searchsorted(gp[tied], segs, side="left"),
        pos_start,
        pos_thr,
        neg_start,
        neg_thr,
    )


def narrow(counts_t: np.ndarray) -> tuple[np.ndarray, int]:
    """(counts as int8 when they fit, else int64; the largest count): gathers of int8
    counts move an eighth of the memory. Once per chunk, shared by the layouts."""
    top = int(counts_t.max()) if counts_t.size else 0
    return counts_t.astype(np.int8 if top <= 127 else np.int64, copy=False), top


def count_stats(
    lay: CountLayout, counts_t: np.ndarray, top: int | None = None, jit: bool = True
) -> Stats | None:
    """Statistics (B, S) for integer cluster counts ``counts_t`` of shape (B, n_clusters)
    (``top``: their maximum, with ``counts_t`` already `narrow`ed); None when some value
    might not be exact in float64 (then the caller scans). ``jit``: use `compiled`'s
    kernel when numba is there (the numpy loop otherwise; both give the same integers)."""
    if top is None:
        counts_t, top = narrow(counts_t)
    got = compiled.counts(lay, counts_t) if jit else None
    pos, neg, tp, fp, auc2 = got if got is not None else _numpy_counts(lay, counts_t, top)
    pos_f, neg_f = pos.astype(float), neg.astype(float)
    if bool(((pos_f.sum(axis=1) + 1) * (neg_f.sum(axis=1) + 1) >= EXACT).any()):
        return None
    nan = np.full(pos.shape, np.nan)
    return Stats(
        n=(pos + neg).astype(float),
        pos=pos_f,
        neg=neg_f,
        tp=tp.astype(float),
        fp=fp.astype(float),
        auc_num=auc2.astype(float) * 0.5,
        ap_sum=nan,
        brier_sum=nan,
        ece_sum=nan,
        resid_sum=nan,
        ece_debiased_sum=nan.copy(),
    )


def _numpy_counts(lay: CountLayout, counts_t: np.ndarray, top: int) -> np.ndarray:
    """`compiled.counts`'s (5, B, S) integers with numpy, one resample at a time."""
    bsz, nseg = counts_t.shape[0], lay.n_segments
    out = np.empty((5, bsz, nseg), dtype=np.int64)
    nonempty = np.flatnonzero(lay.pos_start[1:] > lay.pos_start[:-1])
    seg_lo = lay.pos_start[:-1][nonempty]
    # running sums in int32 where they cannot overflow: less memory to move
    rows_total = lay.neg_cluster.size + lay.pos_cluster.size
    run = np.int32 if rows_total * max(top, 1) < 2**31 else np.int64
    tied_hi = lay.pos_hi[lay.tied]
    for b in range(bsz):  # one resample at a time: 1-d gathers and sums, its rows in cache
        w = counts_t[b]
        c = np.zeros(lay.neg_cluster.size + 1, dtype=run)
        np.cumsum(np.take(w, lay.neg_cluster).astype(run), out=c[1:])
        wp = np.take(w, lay.pos_cluster).astype(run)
        cp = np.zeros(wp.size + 1, dtype=run)
        np.cumsum(wp, out=cp[1:])
        pos = cp[lay.pos_start[1:]] - cp[lay.pos_start[:-1]]
        neg_end = c[lay.neg_start[1:]].astype(np.int64)
        out[0, b] = pos
        out[1, b] = neg_end - c[lay.neg_start[:-1]]
        out[2, b] = cp[lay.pos_thr] - cp[lay.pos_start[:-1]]
        out[3, b] = c[lay.neg_thr] - c[lay.neg_start[:-1]]
        # sum_i w_i (C[hi_i] + C[lo_i]) = 2 sum_i w_i C[hi_i] - sum_tied w_i (C[hi_i] - C[lo_i])
        prod = np.multiply(np.take(c, lay.pos_hi), wp, dtype=np.int64)
        pair = np.zeros(nseg, dtype=np.int64)
        if nonempty.size:
            pair[nonempty] = 2 * np.add.reduceat(prod, seg_lo)
        if lay.tied.size:
            gap = np.subtract(c[tied_hi], c[lay.tied_lo], dtype=np.int64)
            diff = np.zeros(lay.tied.size + 1, dtype=np.int64)
            np.cumsum(gap * wp[lay.tied], out=diff[1:])
            pair -= diff[lay.tied_start[1:]] - diff[lay.tied_start[:-1]]
        out[4, b] = 2 * neg_end * pos - pair
    return out
