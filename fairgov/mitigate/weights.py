"""Group-balanced sample weights and group-balanced resampling of the probe's train rows.

A *cell* is a group, or with labels a (group, label) pair. Balancing gives every cell the
same total weight (the same number of rows when resampling), so an under-represented group
counts as much as a large one in the probe's loss.
"""

from __future__ import annotations

import numpy as np

from fairgov.mitigate.errors import MitigationError

__all__ = [
    "balanced_resample",
    "balanced_weights",
    "cell_resample",
    "cell_weights",
    "cells",
    "class_cells",
]


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
    return cell_weights(cells(groups, labels)[0])


def cell_weights(ci: np.ndarray) -> np.ndarray:
    """:func:`balanced_weights` of given cell indices (one per row)."""
    counts = np.bincount(ci)
    present = counts > 0
    k = int(present.sum())
    per_cell = np.zeros(len(counts), dtype=np.float64)
    per_cell[present] = len(ci) / (k * counts[present])
    return per_cell[ci]


def class_cells(
    groups: np.ndarray, labels: np.ndarray, classes: list[str]
) -> tuple[np.ndarray, list[str]]:
    """The group x class cells of a multiclass task: (cell index per row, names
    ``group|class``). ``labels`` holds each row's class name; every group needs train rows of
    every class (FG470), as :func:`cells` needs both classes of a binary label."""
    g = np.asarray(groups).astype(str)
    y = np.asarray(labels).astype(str)
    if g.ndim != 1 or len(g) == 0:
        raise MitigationError("groups must be a non-empty 1-d array of group labels", "FG473")
    if y.shape != g.shape:
        raise MitigationError(
            f"groups ({len(g)} rows) and labels ({len(y)} rows) differ in length", "FG473"
        )
    names, gi = np.unique(g, return_inverse=True)
    index = {c: j for j, c in enumerate(classes)}
    unknown = sorted(set(y.tolist()) - set(index))
    if unknown:
        raise MitigationError(f"labels {unknown} are not among the classes {classes}", "FG473")
    yi = np.array([index[c] for c in y], dtype=np.int64)
    k = len(classes)
    counts = np.zeros((len(names), k), dtype=np.int64)
    np.add.at(counts, (gi, yi), 1)
    for a, name in enumerate(names):
        for j, cls in enumerate(classes):
            if counts[a, j] == 0:
                raise MitigationError(
                    f"group {str(name)!r} has no training rows of class {cls!r}, so group x "
                    "class cells cannot be balanced (use with_label: false, or merge the group)",
                    "FG470",
                )
    return gi * k + yi, [f"{n}|{c}" for n in names for c in classes]


def balanced_resample(
    groups: np.ndarray, labels: np.ndarray | None = None, seed: int = 0
) -> np.ndarray:
    """Row indices (sorted) of a resample with replacement, as many rows as the input,
    with the same number of rows from every cell (the first ``n mod K`` cells in sorted
    order get one more). Deterministic for a seed: numpy's PCG64 draws cell by cell.
    """
    return cell_resample(cells(groups, labels)[0], seed)


def cell_resample(ci: np.ndarray, seed: int = 0) -> np.ndarray:
    """:func:`balanced_resample` of given cell indices (one per row)."""
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
