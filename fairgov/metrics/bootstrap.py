"""Stratified cluster bootstrap as count weights (interval methods: ``intervals``).

A resample is a vector of counts per cluster (how often each patient was drawn).
Counts are produced as (clusters x resamples) so they feed the layouts' sparse
products directly.
Clusters are resampled with replacement *within strata*; a cluster's stratum is
its group combination across all attributes together with whether it has any
positive row. Counts become row weights through the sparse layouts, so all
resamples of a chunk are evaluated at once without a per-resample Python loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from . import compiled
from .config import BootstrapConfig
from .inputs import sorted_unique


def cluster_strata(
    clusters: np.ndarray,
    n_clusters: int,
    labels: np.ndarray,
    group_codes: Sequence[np.ndarray],
    min_size: int = 1,
    by_label: bool = True,
) -> list[np.ndarray]:
    """Cluster indices of each stratum, strata ordered by their first cluster.

    Ordering by cluster (not by group name) makes the draws invariant to renaming
    groups. A cluster whose rows fall into several group combinations (e.g. an age
    band that changes between visits) gets a stratum for that exact combination.
    Strata with fewer than ``min_size`` clusters are pooled per label: a stratum of
    one cluster would always redraw that cluster and contribute no variance, which
    happens quickly when many attributes are crossed. ``by_label=False`` leaves out the
    has-any-positive split (the calibration resamples, ``api._calibration``).
    """
    has_pos = np.zeros(n_clusters, dtype=bool)
    if by_label:
        has_pos[clusters[labels.astype(bool)]] = True
    if group_codes:
        row_key = _combination_index(group_codes)
    else:
        row_key = np.zeros(clusters.size, dtype=np.int64)
    n_keys = int(row_key.max()) + 1 if row_key.size else 1
    pairs = sorted_unique(clusters.astype(np.int64) * n_keys + row_key)
    pc, pk = pairs // n_keys, pairs % n_keys
    multi = np.bincount(pc, minlength=n_clusters) > 1
    key = np.zeros(n_clusters, dtype=np.int64)
    key[pc] = pk
    if multi.any():  # a key per distinct combination (its numbering does not matter: only
        # equal keys and the strata's first clusters are read), combinations of one length at once
        many = np.flatnonzero(multi)
        lo = np.searchsorted(pc, many)  # pairs sorted by cluster
        width = np.searchsorted(pc, many, "right") - lo
        nxt = n_keys
        for w in np.unique(width).tolist():
            sel = width == w
            combo = pk[lo[sel][:, None] + np.arange(w)]
            if float(n_keys) ** w < 2.0**62:  # one integer per combination: a 1-d sort
                flat = combo @ (np.int64(n_keys) ** np.arange(w, dtype=np.int64))
                inv = np.searchsorted(sorted_unique(flat), flat)
            else:
                inv = np.unique(combo, axis=0, return_inverse=True)[1].ravel()
            key[many[sel]] = nxt + inv
            nxt += int(inv.max()) + 1
    stratum = key * 2 + has_pos
    _, inv, size = np.unique(stratum, return_inverse=True, return_counts=True)
    small = size[inv.ravel()] < min_size
    stratum[small] = -2 + has_pos[small]  # pooled stratum per label
    _, first, inverse = np.unique(stratum, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    sid = rank[inverse.ravel()]
    order = np.argsort(sid, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(sid[order])) + 1)


def _combination_index(group_codes: Sequence[np.ndarray]) -> np.ndarray:
    """Index of each row's code combination among the distinct combinations in
    lexicographic order (as ``np.unique(axis=0)`` numbers them), via one integer key
    per row (mixed radix, first attribute most significant) when it fits in int64."""
    sizes = [int(c.max()) + 1 if c.size else 1 for c in group_codes]
    if (
        any(int(c.min()) < 0 for c in group_codes if c.size)
        or np.prod(sizes, dtype=float) >= 2.0**62
    ):
        _, inv = np.unique(np.stack(group_codes, axis=1), axis=0, return_inverse=True)
        return inv.ravel()
    key = np.zeros(group_codes[0].size, dtype=np.int64)
    for c, m in zip(group_codes, sizes, strict=True):
        key = key * m + c.astype(np.int64)
    return np.unique(key, return_inverse=True)[1].ravel()


def contiguous_codes(strata: Sequence[np.ndarray], n_clusters: int) -> np.ndarray:
    """New cluster codes under which every stratum is a contiguous range (in order)."""
    new = np.empty(n_clusters, dtype=np.int64)
    new[np.concatenate(strata)] = np.arange(n_clusters)
    return new


def block_counts_t(
    seed: int, block: int, sizes: Sequence[int], size: int, stream: int = 0
) -> np.ndarray:
    """One block's counts as (block size, clusters) int64; strata are contiguous code
    ranges. One generator call draws the whole block: a uniform ``u`` in [0, 1) per
    (resample, cluster slot), and the slot of stratum i (size m, first code off) draws
    cluster ``off + floor(u * m)``. ``u`` is a multiple of 2**-53 below 1, so under
    round-to-nearest ``u * m`` stays below m for every m < 2**53, and each cluster's
    probability is 1/m to within m / 2**53. ``stream`` selects an independent family of
    draws (0: the main resamples)."""
    ss = np.random.SeedSequence(seed, spawn_key=(stream, block))
    rng = np.random.Generator(np.random.PCG64(ss))
    m = np.asarray(sizes, dtype=np.int64)
    n_clusters = int(m.sum())
    u = rng.random((size, n_clusters))
    drawn = compiled.draw_counts(u, m)
    if drawn is not None:
        return drawn
    u *= np.repeat(m, m).astype(float)
    draws = u.astype(np.int64)
    del u
    draws += np.repeat(np.cumsum(m) - m, m)
    out = np.empty((size, n_clusters), dtype=np.int64)
    for r in range(size):
        out[r] = np.bincount(draws[r], minlength=n_clusters)
    return out


def resample_counts_t(
    config: BootstrapConfig, sizes: Sequence[int], chunk: int, stream: int = 0
) -> Iterator[tuple[int, np.ndarray]]:
    """`resample_counts` as integer counts of shape (b, n_clusters): the same counts,
    transposed."""
    block = config.BLOCK
    chunk = max(block, chunk // block * block)
    for start in range(0, config.resamples, chunk):
        stop = min(config.resamples, start + chunk)
        parts = []
        for j in range(start, stop, block):
            size = min(stop, j + block) - j
            parts.append(block_counts_t(config.seed, j // block, sizes, size, stream))
        yield start, parts[0] if len(parts) == 1 else np.concatenate(parts)


def resample_counts(
    config: BootstrapConfig, sizes: Sequence[int], chunk: int, stream: int = 0
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first resample index, counts of shape (n_clusters, b)) chunk by chunk.

    ``sizes`` are the stratum sizes; clusters must be coded so that stratum i is
    the i-th contiguous range (see ``contiguous_codes``). ``stream`` selects an independent
    family of draws (0: the main resamples; the permutation test uses its own).
    """
    for start, counts in resample_counts_t(config, sizes, chunk, stream):
        yield start, np.ascontiguousarray(counts.T, dtype=float)


MAX_CHUNK = 500


def chunk_size(config: BootstrapConfig, n_clusters: int, widest: int) -> int:
    """Resamples per chunk so that counts, draws and one layout's output fit the budget."""
    per_resample = 8.0 * (3 * n_clusters + widest)
    return min(MAX_CHUNK, max(config.BLOCK, int(config.max_memory_mb * 2**20 / per_resample)))
