"""Precomputed sorted layout that turns weighted metrics into one sparse product.

Rows are sorted once by (segment, score descending) and grouped into *cells*
(equal score within a segment: a tie group). Only cells containing a positive
matter for rank statistics, so every negative row is attached to the first
positive cell at or below it (column ``A``); negatives below the last positive
cell of a segment go to a per-segment ``tail``. With that, for any weights:

* ``P_k``  = positive weight of positive cell k,
* ``A_k``  = negative weight strictly between cell k-1 and k, plus the tied negatives of k,
* cumsum(A) within a segment = negatives scoring >= s_k (the FP count at threshold s_k).

Everything the metrics need is a linear function of the cluster weights, so one
sparse matrix ``M`` (clusters x columns) gives all of it for a batch of resamples
as ``M.T @ C`` where ``C`` holds bootstrap counts (clusters x B). Linear
statistics (ECE bin residuals, Brier) live in a second sparse matrix. Sparse
products are single-threaded and predictable; dense BLAS gemm was tried and
collapses (50x) when the 2 cores are shared with other work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class CellLayout:
    n_segments: int
    n_bins: int
    kp: int  # number of positive cells
    n_tie: int  # positive cells that also contain negatives (ties across labels)
    rank_t: sp.csr_matrix  # (n_rank_rows, n_clusters): P, A, tail, fpx, tie rows
    lin_t: sp.csr_matrix  # (n_segments * (2 n_bins + 1), n_clusters): D, brier, Q
    seg_kstart: np.ndarray  # (S,) first positive cell of each segment
    seg_kend: np.ndarray  # (S,) one past the last positive cell
    last_pred: np.ndarray  # (S,) last positive cell with score >= threshold, -1 if none
    tie_to_seg: sp.csr_matrix  # (S, n_tie) indicator
    tie_k: np.ndarray  # (n_tie,) positive-cell index of each tied cell

    @property
    def row_a(self) -> int:
        return self.kp

    @property
    def row_tail(self) -> int:
        return 2 * self.kp

    @property
    def row_fpx(self) -> int:
        return 2 * self.kp + self.n_segments

    @property
    def row_tie(self) -> int:
        return 2 * self.kp + 2 * self.n_segments

    @property
    def n_rank_rows(self) -> int:
        return self.row_tie + self.n_tie

    @property
    def n_rows(self) -> int:
        """Rows of the per-chunk output, for memory planning."""
        return self.n_rank_rows + self.n_segments * (2 * self.n_bins + 1)


def bin_index(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bin of each score on [0, 1]; edges are j/n_bins, the last bin is closed.

    Using ``searchsorted`` on the exact edges (rather than ``floor(s * n_bins)``)
    keeps a score equal to an edge, e.g. 0.3, in the bin that starts there.
    """
    edges = np.arange(n_bins + 1) / n_bins
    return np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, n_bins - 1)


def sort_order(
    scores: np.ndarray, segments: np.ndarray, by_score: np.ndarray | None = None
) -> np.ndarray:
    """Rows sorted by (segment, score descending), ties in row order: ``np.lexsort((-scores,
    segments))``. ``by_score`` (``np.argsort(-scores, kind="stable")``) shared by several
    segmentations of the same rows turns each into one stable sort of small integers."""
    if by_score is None:
        return np.lexsort((-scores, segments))
    return by_score[np.argsort(segments[by_score], kind="stable")]


def build_layout(
    labels: np.ndarray,
    scores: np.ndarray,
    segments: np.ndarray,
    n_segments: int,
    clusters: np.ndarray,
    n_clusters: int,
    threshold: float,
    n_bins: int,
    order: np.ndarray | None = None,
    linear: bool = True,
) -> CellLayout:
    """Build the layout for rows with integer ``segments`` and ``clusters`` codes; ``order``:
    the rows sorted by (segment, score descending), stably (`sort_order`), when known;
    ``linear=False``: ``lin_t`` is left empty (all zero), for callers that read no linear
    metric (`kernels.segment_stats` with such a ``need`` never reads it)."""
    order = sort_order(scores, segments) if order is None else order
    y = labels[order].astype(bool)
    s = scores[order]
    g = segments[order].astype(np.int64)
    c = clusters[order].astype(np.int64)
    n = y.size
    new = np.ones(n, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    cell = np.cumsum(new) - 1
    n_cells = int(cell[-1]) + 1 if n else 0
    has_pos = np.zeros(n_cells, dtype=bool)
    has_pos[cell[y]] = True
    has_neg = np.zeros(n_cells, dtype=bool)
    has_neg[cell[~y]] = True
    pcells = np.flatnonzero(has_pos)
    kp = pcells.size
    cell_seg = g[new]
    cell_score = s[new]
    seg_k = cell_seg[pcells]
    score_k = cell_score[pcells]
    segs = np.arange(n_segments)
    kstart = np.searchsorted(seg_k, segs, side="left")
    kend = np.searchsorted(seg_k, segs, side="right")
    n_pred = np.bincount(seg_k[score_k >= threshold], minlength=n_segments)
    last_pred = np.where(n_pred > 0, kstart + n_pred - 1, -1)

    tie_mask = has_neg[pcells]
    tie_k = np.flatnonzero(tie_mask)
    n_tie = tie_k.size
    tie_rank = np.cumsum(tie_mask) - 1

    # first positive cell at or below each row's cell, within the same segment
    nxt = np.searchsorted(pcells, cell, side="left")
    nxt_c = np.minimum(nxt, max(kp - 1, 0))
    in_seg = (nxt < kp) & (seg_k[nxt_c] == g) if kp else np.zeros(n, dtype=bool)

    row_a, row_tail = kp, 2 * kp
    row_fpx, row_tie = 2 * kp + n_segments, 2 * kp + 2 * n_segments
    neg = ~y
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []

    def add(mask: np.ndarray, row: np.ndarray) -> None:
        rows.append(row[mask])
        cols.append(c[mask])

    add(y, nxt_c)  # P: a positive row's own cell is a positive cell
    add(neg & in_seg, row_a + nxt_c)
    add(neg & ~in_seg, row_tail + g)
    # negatives predicted positive but scoring below the last predicted positive cell
    lp = last_pred[g]
    lp_score = np.where(lp >= 0, score_k[np.maximum(lp, 0)] if kp else 0.0, np.inf)
    add(neg & (s >= threshold) & (s < lp_score), row_fpx + g)
    tied = neg & has_pos[cell]
    tie_row = np.zeros(n, dtype=np.int64)
    tie_row[tied] = tie_rank[nxt[tied]]
    add(tied, row_tie + tie_row)
    r, cc = np.concatenate(rows), np.concatenate(cols)
    rank_t = sp.csr_matrix((np.ones(r.size), (r, cc)), shape=(row_tie + n_tie, n_clusters))
    rank_t.sum_duplicates()

    lin_t = _linear_part(y, s, g, c, n_segments, n_clusters, n_bins, linear)
    tie_to_seg = sp.csr_matrix(
        (np.ones(n_tie), (seg_k[tie_k], np.arange(n_tie))), shape=(n_segments, n_tie)
    )
    return CellLayout(
        n_segments, n_bins, kp, n_tie, rank_t, lin_t, kstart, kend, last_pred, tie_to_seg, tie_k
    )


def _linear_part(y, s, g, c, n_segments, n_clusters, n_bins, linear) -> sp.csr_matrix:
    lin_rows = n_segments * (n_bins + 1)
    if not linear:
        return sp.csr_matrix((lin_rows + n_segments * n_bins, n_clusters))
    resid = y - s  # (y - s): bin sums give ECE and calibration-in-the-large
    d_row = g * n_bins + bin_index(s, n_bins)
    lin_t = sp.csr_matrix(
        (
            np.concatenate([resid, resid * resid]),
            (np.concatenate([d_row, n_segments * n_bins + g]), np.concatenate([c, c])),
        ),
        shape=(lin_rows, n_clusters),
    )
    lin_t.sum_duplicates()
    # Q rows: per (segment, bin) sum over clusters of the squared cluster residual sum, so
    # that for cluster weights w, Q . w estimates the variance of D . w (debiased ECE)
    d_part = lin_t[: n_segments * n_bins].tocsr()
    d_part.data = d_part.data**2
    return sp.vstack([lin_t, d_part], format="csr")
