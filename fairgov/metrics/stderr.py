"""Standard errors of each resample, for the studentized (bootstrap-t) interval.

The bootstrap-t interval needs, for every resample, the statistic's standard error on
that resample. A nested bootstrap is out of reach, so it comes from a cheap estimator that
respects patient clusters (a cluster is drawn, or deleted, as a whole):

* proportions x / n (tpr, fnr, fpr, tnr, ppv, npv, accuracy, selection_rate): the
  cluster-robust (sandwich) variance sum_c w_c (x_c - p n_c)^2 / (sum_c w_c n_c)^2, with
  x_c, n_c cluster c's counts in the segment and w_c its count in the resample;
* AUROC: DeLong's placement values summed per cluster (Obuchowski 1997): each positive's
  share of the resample's negatives scoring below it (ties 1/2) and each negative's share of
  positives above it, recomputed in every resample; psi_c = (V10_c - A m_c) / N+ +
  (V01_c - A n_c) / N-, variance sum_c w_c psi_c^2.

Both are quadratic forms in cluster-level counts, read from the layout's rank rows, so a
batch of resamples costs a few sparse products (no loop over resamples). Constant
small-sample factors are left out: they cancel in the studentized interval. Metrics not in
``STUDENTIZED`` have no estimator here and fall back to BCa (``intervals``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .layout import CellLayout

PROPORTIONS = {
    "tpr": ("tp", "pos"),
    "fnr": ("fn", "pos"),
    "fpr": ("fp", "neg"),
    "tnr": ("tn", "neg"),
    "ppv": ("tp", "pp"),
    "npv": ("tn", "pn"),
    "accuracy": ("correct", "n"),
    "selection_rate": ("pp", "n"),
}
STUDENTIZED = frozenset({*PROPORTIONS, "auroc"})
"""Metrics with a per-resample standard error; every other statistic falls back to BCa."""
COLUMNS = 50
"""Resamples per AUROC pass: its placement arrays are (patients of the segment x COLUMNS)."""


def _selector(rows: np.ndarray, segs: np.ndarray, lay: CellLayout) -> sp.csr_matrix:
    return sp.csr_matrix(
        (np.ones(rows.size), (segs, rows)), shape=(lay.n_segments, lay.n_rank_rows)
    )


def cluster_counts(lay: CellLayout) -> dict[str, sp.csr_matrix]:
    """Per (segment, cluster) counts (S x n_clusters): pos, neg, tp, fp and derived ones."""
    kp = lay.kp
    k = np.arange(kp)
    seg_k = np.repeat(np.arange(lay.n_segments), lay.seg_kend - lay.seg_kstart)
    pred = k <= lay.last_pred[seg_k] if kp else np.zeros(0, dtype=bool)
    segs = np.arange(lay.n_segments)
    rt = lay.rank_t
    pos = _selector(k, seg_k, lay) @ rt
    tp = _selector(k[pred], seg_k[pred], lay) @ rt
    neg = _selector(
        np.concatenate([lay.row_a + k, lay.row_tail + segs]), np.concatenate([seg_k, segs]), lay
    ) @ rt
    fp = _selector(
        np.concatenate([lay.row_a + k[pred], lay.row_fpx + segs]),
        np.concatenate([seg_k[pred], segs]),
        lay,
    ) @ rt
    c = {"pos": pos, "neg": neg, "tp": tp, "fp": fp}
    c["fn"] = pos - tp
    c["tn"] = neg - fp
    c["pp"] = tp + fp
    c["n"] = pos + neg
    c["pn"] = c["n"] - c["pp"]
    c["correct"] = tp + c["tn"]
    return {key: sp.csr_matrix(v) for key, v in c.items()}


class StandardErrors:
    """Per-resample standard errors of one layout's segments (``STUDENTIZED`` metrics)."""

    def __init__(self, lay: CellLayout, metrics: frozenset[str]):
        self.lay = lay
        self.props = [m for m in PROPORTIONS if m in metrics]
        self.auroc = "auroc" in metrics
        c = cluster_counts(lay) if self.props else {}
        blocks = []
        for m in self.props:
            x, n = c[PROPORTIONS[m][0]], c[PROPORTIONS[m][1]]
            blocks += [x, n, x.multiply(x), x.multiply(n), n.multiply(n)]
        self.quad = sp.vstack(blocks, format="csr") if blocks else None

    @property
    def metrics(self) -> list[str]:
        return self.props + (["auroc"] if self.auroc else [])

    def __call__(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """{metric: (B, S) standard error} for cluster weights (n_clusters, B); NaN where the
        statistic (or its variance) is undefined."""
        s = self.lay.n_segments
        out: dict[str, np.ndarray] = {}
        if self.quad is not None:
            q = np.asarray(self.quad @ weights).reshape(len(self.props), 5, s, -1)
            for i, m in enumerate(self.props):
                x, n, xx, xn, nn = q[i]
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = np.where(n > 0, x / np.where(n > 0, n, 1.0), np.nan)
                    var = np.maximum(xx - 2 * p * xn + p * p * nn, 0.0)
                    out[m] = (np.sqrt(var) / n).T
        if self.auroc:
            bsz = weights.shape[1]
            out["auroc"] = np.empty((bsz, s))
            for lo in range(0, bsz, COLUMNS):  # bounds the dense (patients x columns) arrays
                cols = weights[:, lo : lo + COLUMNS]
                for j in range(s):
                    out["auroc"][lo : lo + cols.shape[1], j] = self._auroc(j, cols)
        return out

    def _auroc(self, j: int, w: np.ndarray) -> np.ndarray:
        """Cluster DeLong standard error of segment j for each weight column, (B,)."""
        lay = self.lay
        a0, a1 = int(lay.seg_kstart[j]), int(lay.seg_kend[j])
        bsz = w.shape[1]
        if a1 == a0:
            return np.full(bsz, np.nan)
        rt = lay.rank_t
        pm = rt[a0:a1]  # positives per cell, (kp_j, ncl)
        am = rt[lay.row_a + a0 : lay.row_a + a1]  # negatives attached to each cell
        tail = rt[lay.row_tail + j]
        ties = np.flatnonzero((lay.tie_k >= a0) & (lay.tie_k < a1))
        tm = rt[lay.row_tie + ties]  # tied negatives of cells tie_k[ties]
        present = np.unique(np.concatenate([pm.indices, am.indices, tail.indices]))
        wj = w[present]
        pm, am, tail, tm = (x[:, present].tocsr() for x in (pm, am, tail, tm))
        p = np.asarray(pm @ wj)
        a = np.asarray(am @ wj)
        t_cell = np.zeros_like(p)
        t_cell[lay.tie_k[ties] - a0] = np.asarray(tm @ wj)
        cum_a = np.cumsum(a, axis=0)
        cum_p = np.cumsum(p, axis=0)
        n_neg = cum_a[-1] + np.asarray(tail @ wj)[0]
        n_pos = cum_p[-1]
        v10 = np.asarray(pm.T @ (n_neg[None, :] - cum_a + 0.5 * t_cell))  # (ncl_j, B)
        below = cum_p - p  # positives above each attached negative (exclusive)
        v01 = np.asarray(am.T @ below) + 0.5 * np.asarray(tm.T @ p[lay.tie_k[ties] - a0])
        v01 += np.asarray(tail.T.toarray()) * n_pos[None, :]
        m_c = np.asarray(pm.sum(axis=0)).ravel()[:, None]
        n_c = (np.asarray(am.sum(axis=0)).ravel() + tail.toarray().ravel())[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (n_pos > 0) & (n_neg > 0)
            npos, nneg = np.where(ok, n_pos, 1.0), np.where(ok, n_neg, 1.0)
            auc = (wj * v10).sum(axis=0) / (npos * nneg)
            psi = (v10 / nneg - auc * m_c) / npos + (v01 / npos - auc * n_c) / nneg
            se = np.sqrt((wj * psi * psi).sum(axis=0))
        return np.where(ok, se, np.nan)
