"""Per-group metrics for many unit-to-group assignments at once (permutation test).

Cost is independent of the number of groups: rows are sorted by score once; for
each permutation a stable radix argsort on the (int16) permuted group codes puts
every group's rows together while keeping them in score order. Runs of equal
score within a (permutation, group) segment are tie cells; segmented cumulative
counts over runs give AUROC and AP exactly as ``kernels.segment_stats`` does.
Linear statistics (counts, confusion, Brier, ECE bin residuals) move with their
unit, so they are unit-level sums gathered with one sparse product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .kernels import Stats, metrics_from_stats
from .layout import bin_index


@dataclass(frozen=True)
class PermData:
    y: np.ndarray  # (n,) labels in descending score order
    cell: np.ndarray  # (n,) global tie-cell id in that order
    unit: np.ndarray  # (n,) unit of each row in that order
    unit_stats: np.ndarray  # (U, 6 + n_bins): n, pos, tp, fp, brier, resid, D bins
    n_bins: int


def prepare(labels, scores, units, n_units: int, threshold: float, n_bins: int) -> PermData:
    order = np.argsort(-scores, kind="stable")
    s, y, u = scores[order], labels[order].astype(np.int64), units[order]
    cell = np.cumsum(np.r_[True, s[1:] != s[:-1]], dtype=np.int32)
    pred = (s >= threshold).astype(float)
    resid = y - s
    cols = [np.ones_like(s), y, y * pred, (1 - y) * pred, resid * resid, resid]
    stats = np.stack([np.bincount(u, weights=c, minlength=n_units) for c in cols], axis=1)
    d = np.zeros((n_units, n_bins))
    np.add.at(d, (u, bin_index(s, n_bins)), resid)
    unit_stats = np.concatenate([stats, d], axis=1)
    return PermData(y.astype(np.int8), cell, u.astype(np.int32), unit_stats, n_bins)


def permuted_metrics(data: PermData, assign: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Metrics (B, G) of every group for assignments ``assign`` (B, U) of units to groups.

    Every group must own at least one unit in every assignment (true for
    permutations within strata of an observed grouping).
    """
    b = assign.shape[0]
    nseg = b * n_groups
    grows = assign.astype(np.int16)[:, data.unit]
    order = np.argsort(grows, axis=1, kind="stable")  # radix sort, keeps score order
    y = data.y[order].ravel()
    cell = data.cell[order].ravel()
    offsets = (np.arange(b, dtype=np.int32) * n_groups)[:, None]
    seg_len = np.bincount((grows + offsets).ravel(), minlength=nseg)
    seg_start = np.r_[0, np.cumsum(seg_len)[:-1]]
    new_run = np.empty(y.size, dtype=bool)  # runs: equal score within a segment (ties)
    new_run[0] = True
    np.not_equal(cell[1:], cell[:-1], out=new_run[1:])
    new_run[seg_start] = True
    starts = np.flatnonzero(new_run)
    ends = np.r_[starts[1:], y.size] - 1
    cp_end = np.cumsum(y, dtype=np.int64)[ends].astype(np.float64)  # global, at run ends
    cn_end = (ends + 1) - cp_end
    p, neg = np.diff(cp_end, prepend=0.0), np.diff(cn_end, prepend=0.0)
    first_run = np.asarray(np.searchsorted(starts, seg_start))
    run_seg = np.repeat(np.arange(nseg), np.diff(np.r_[first_run, starts.size]))
    base_p = np.r_[0.0, cp_end][first_run]  # cumulative before each segment
    base_n = np.r_[0.0, cn_end][first_run]
    cp = cp_end - base_p[run_seg]  # inclusive counts within the segment
    cn = cn_end - base_n[run_seg]
    pos_s = cp_end[np.r_[first_run[1:], starts.size] - 1] - base_p
    neg_s = seg_len - pos_s
    auc_terms = np.bincount(run_seg, weights=p * (cn - 0.5 * neg), minlength=nseg)
    auc_num = pos_s * neg_s - auc_terms
    ap_sum = np.bincount(run_seg, weights=p * cp / np.maximum(cp + cn, 1e-300), minlength=nseg)

    units = assign.shape[1]  # unit u sits in row b*G + assign[b, u] of permutation b
    onehot = sp.csc_matrix(
        (np.ones(assign.size), (assign + offsets).T.ravel(), np.arange(0, units * b + 1, b)),
        shape=(nseg, units),
    )
    lin = np.asarray(onehot @ data.unit_stats).reshape(b, n_groups, -1)
    d = lin[:, :, 6:]
    st = Stats(
        n=lin[:, :, 0],
        pos=lin[:, :, 1],
        neg=lin[:, :, 0] - lin[:, :, 1],
        tp=lin[:, :, 2],
        fp=lin[:, :, 3],
        auc_num=auc_num.reshape(b, n_groups),
        ap_sum=ap_sum.reshape(b, n_groups),
        brier_sum=lin[:, :, 4],
        ece_sum=np.abs(d).sum(axis=2),
        resid_sum=lin[:, :, 5],
    )
    return metrics_from_stats(st)
