"""The bootstrap's two hot loops compiled with numba: drawing the resample counts
(`bootstrap.block_counts_t`) and the count path's statistics (`countrank.count_stats`).

Each gives its numpy version's integers (tested bit for bit). The statistics take one pass
per resample that keeps the running sum of the negatives' weights and reads each positive
row once, instead of a dozen temporary arrays per resample: about three times faster on the
monitoring benchmark's months (benchmarks/monitor.py). The compiled kernel is cached on
disk by numba (``cache=True``: next to this module, or numba's user cache folder when that
is read-only), so worker processes load it instead of compiling it again.

`counts` and `draw_counts` return None when numba cannot be imported; the caller then runs
its numpy code.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _njit():
    try:
        from numba import njit
    except ImportError:  # pragma: no cover - numba is a dependency; the numpy code stays
        return None

    def compile_(fn):
        try:
            return njit(cache=True, nogil=True)(fn)
        except RuntimeError:  # no writable cache folder (a read-only install): compile per process
            return njit(nogil=True)(fn)

    return compile_


@cache
def _compiled(fn):
    """``fn`` compiled on first use (None without numba): importing this module compiles
    nothing."""
    njit = _njit()
    return None if njit is None else njit(fn)


def _rank_counts(  # pragma: no cover - compiled: its Python body never runs
    w_all, neg_cluster, pos_cluster, pos_hi, tied, tied_lo, tied_start,
    pos_start, pos_thr, neg_start, neg_thr, out,
):  # fmt: skip
    n_neg = neg_cluster.size
    nseg = pos_start.size - 1
    c = np.empty(n_neg + 1, dtype=np.int64)  # c[k]: weight of the first k negatives
    for b in range(w_all.shape[0]):
        w = w_all[b]
        run = np.int64(0)
        c[0] = 0
        for k in range(n_neg):
            run += np.int64(w[neg_cluster[k]])
            c[k + 1] = run
        for s in range(nseg):
            pos = np.int64(0)
            tp = np.int64(0)
            prod = np.int64(0)  # sum_i w_i C[hi_i]
            for i in range(pos_start[s], pos_start[s + 1]):
                wi = np.int64(w[pos_cluster[i]])
                pos += wi
                if i < pos_thr[s]:
                    tp += wi
                prod += wi * c[pos_hi[i]]
            gap = np.int64(0)  # sum over tied rows of w_i (C[hi_i] - C[lo_i])
            for k in range(tied_start[s], tied_start[s + 1]):
                i = tied[k]
                gap += np.int64(w[pos_cluster[i]]) * (c[pos_hi[i]] - c[tied_lo[k]])
            neg_end = c[neg_start[s + 1]]
            out[0, b, s] = pos
            out[1, b, s] = neg_end - c[neg_start[s]]
            out[2, b, s] = tp
            out[3, b, s] = c[neg_thr[s]] - c[neg_start[s]]
            out[4, b, s] = 2 * neg_end * pos - (2 * prod - gap)


def _draw(u, sizes, out):  # pragma: no cover - compiled
    for r in range(u.shape[0]):
        slot = 0
        off = 0
        for i in range(sizes.size):
            m = sizes[i]
            for _ in range(m):
                # u * m rounded toward zero, as numpy's astype(int64) of the product
                out[r, off + np.int64(u[r, slot] * np.float64(m))] += 1
                slot += 1
            off += m


def available() -> bool:
    """Whether the compiled kernels can be used (numba imports)."""
    return _njit() is not None


def counts(lay, counts_t: np.ndarray) -> np.ndarray | None:
    """(5, B, S) int64: pos, neg, tp, fp and twice the AUC numerator, for the
    `countrank.CountLayout` ``lay`` and integer cluster counts ``counts_t`` (B, n_clusters);
    None without numba."""
    kernel = _compiled(_rank_counts)
    if kernel is None:
        return None
    out = np.empty((5, counts_t.shape[0], lay.n_segments), dtype=np.int64)
    kernel(
        np.ascontiguousarray(counts_t),
        lay.neg_cluster,
        lay.pos_cluster,
        lay.pos_hi,
        lay.tied,
        lay.tied_lo,
        lay.tied_start,
        lay.pos_start,
        lay.pos_thr,
        lay.neg_start,
        lay.neg_thr,
        out,
    )
    return out


def draw_counts(u: np.ndarray, sizes: np.ndarray) -> np.ndarray | None:
    """(size, clusters) int64 counts from uniforms ``u`` (size, clusters): slot j of the
    stratum of size m starting at code off draws cluster off + floor(u[:, j] * m), strata
    contiguous in ``sizes`` order; None without numba."""
    drawer = _compiled(_draw)
    if drawer is None:
        return None
    out = np.zeros(u.shape, dtype=np.int64)
    drawer(u, np.asarray(sizes, dtype=np.int64), out)
    return out
