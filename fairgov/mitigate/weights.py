"""Group-balanced sample weights and group-balanced resampling of the probe's train rows.

A *cell* is a group, or with labels a (group, label) pair. Balancing gives every cell the
same total weight (the same number of rows when resampling), so an under-represented group
counts as much as a large one in the probe's loss.
"""

from __future__ import annotations

import numpy as np

from fairgov.mitigate.errors import MitigationError

__all__ = ["balanced_resample", "balanced_weights", "cells"]


def cells(groups: np.ndarray, labels: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """(cell index per row, cell names in sorted order).

    With labels every group needs rows of both classes; otherwise MitigationError FG470
    (a group with no training positives cannot be balanced by label).
    """
    g = np.asarray(groups).astype(str)
    if g.ndim != 1 or len(g) == 0:
        raise MitigationError("groups must be a non-empty 1-d array of group labels", "FG473")
    names, gi = np.unique(g, return_inverse=True)
    if labels is None:
        return gi, [str(x) for x in names]
    y = np.asarray(labels)
    if y.shape != g.shape:
        raise MitigationError(
            f"groups ({len(g)} rows) and labels ({len(y)} rows) differ in length", "FG473"
        )
    yb = y.astype(bool).astype(int)
    counts = np.zeros((len(names), 2), dtype=np.int64)
    np.add.at(counts, (gi, yb), 1)
    for k, name in enumerate(names):
        for cls, word in ((1, "positives"), (0, "negatives")):
            if counts[k, cls] == 0:
                raise MitigationError(
                    f"group {str(name)!r} has no training {word}, so group x label cells "
                    "cannot be balanced (use with_label: false, or merge the group)",
                    "FG470",
                )
    return gi * 2 + yb, [f"{n}|{c}" for n in names for c in (0, 1)]


def balanced_weights(groups: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """Weights ``n / (K * n_cell)`` over the K non-empty cells: mean 1, equal cell totals.

    ``labels`` given: cells are group x label (every group needs both classes, FG470).
    """
    ci, _ = cells(groups, labels)
    counts = np.bincount(ci)
    present = counts > 0
    k = int(present.sum())
    per_cell = np.zeros(len(counts), dtype=np.float64)
    per_cell[present] = len(ci) / (k * counts[present])
    return per_cell[ci]


def balanced_resample(
    groups: np.ndarray, labels: np.ndarray | None = None, seed: int = 0
) -> np.ndarray:
    """Row indices (sorted) of a resample with replacement, as many rows as the input,
    with the same number of rows from every cell (the first ``n mod K`` cells in sorted
    order get one more). Deterministic for a seed: numpy's PCG64 draws cell by cell.
    """
    ci, _ = cells(groups, labels)
    n = len(ci)
    order = np.argsort(ci, kind="stable")
    counts = np.bincount(ci)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    present = np.flatnonzero(counts > 0)
    k = len(present)
    base, extra = divmod(n, k)
    rng = np.random.default_rng(seed)
    drawn = []
    for j, c in enumerate(present):
        m = base + (1 if j < extra else 0)
        members = order[starts[c] : starts[c] + counts[c]]
        drawn.append(members[rng.integers(0, counts[c], m)])
    return np.sort(np.concatenate(drawn))
