"""Permutation test of "no difference between groups", and Holm adjustment.

Exchangeable scheme: the unit of exchange is a *unit* = the rows of one cluster
(patient) within one group. Group labels are permuted among units within label
strata (units with any positive vs units without), which is how "labels shuffled
within label strata" is realised without breaking patient clustering. Under H0
(score distribution given the label does not depend on the group) units of the
same stratum are exchangeable; keeping strata fixed keeps each group's number of
positive units, so a metric defined on the data stays defined in permutations.

Per-group metrics of each permutation come either from the weighted kernels (each
group is a 0/1 weight vector over units; cost grows with the number of groups) or,
for more than ``WEIGHTED_MAX_GROUPS`` groups, from ``permkernel`` (sort-based, cost
independent of the number of groups). The observed statistic is computed by the
same code with the identity assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .kernels import metrics_from_stats, segment_stats
from .layout import build_layout
from .permkernel import permuted_metrics, prepare

StatFn = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]
BLOCK = 25
WEIGHTED_MAX_GROUPS = 6
"""Up to this many groups, evaluating each group as 0/1 unit weights on one sorted
layout (cost ~ groups) beats the sort-based kernel (cost ~ 8 groups' worth)."""


def _evaluator(labels, scores, unit, n_units, unit_group, n_groups, threshold, ece_bins):
    """Function mapping assignments (B, U) to per-group metrics (B, G)."""
    if n_groups > WEIGHTED_MAX_GROUPS:
        data = prepare(labels, scores, unit, n_units, threshold, ece_bins)
        return lambda assign: permuted_metrics(data, assign, n_groups)
    zeros = np.zeros(labels.size, dtype=np.int64)
    lay = build_layout(labels, scores, zeros, 1, unit, n_units, threshold, ece_bins)

    def weighted(assign: np.ndarray) -> dict[str, np.ndarray]:
        per_group = [
            metrics_from_stats(segment_stats(lay, np.ascontiguousarray((assign == g).T, float)))
            for g in range(n_groups)
        ]
        return {k: np.concatenate([m[k] for m in per_group], axis=1) for k in per_group[0]}

    return weighted


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in input order (statsmodels' 'holm')."""
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1 or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p-values must be a 1-D sequence of numbers in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()


def permutation_pvalues(
    labels: np.ndarray,
    scores: np.ndarray,
    clusters: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    threshold: float,
    ece_bins: int,
    statistic: StatFn,
    permutations: int,
    seed: int,
    stream: int,
    max_memory_mb: float = 500.0,
) -> dict[str, float | None]:
    """p = (1 + #{permuted >= observed}) / (1 + permutations) for every statistic.

    ``groups`` are codes 0..n_groups-1 of the participating rows only. A permuted
    statistic that is undefined counts as extreme (conservative). Observed values
    use the same code path (identity assignment), and a 1e-12 relative tolerance
    keeps exact ties from being lost to rounding.
    """
    pairs, unit = np.unique(clusters.astype(np.int64) * n_groups + groups, return_inverse=True)
    unit = unit.ravel()
    n_units = pairs.size
    unit_group = pairs % n_groups
    unit_pos = np.zeros(n_units, dtype=bool)
    unit_pos[unit[labels.astype(bool)]] = True
    # rows of the per-permutation work arrays cost ~48 bytes each
    piece = max(1, min(BLOCK, int(max_memory_mb * 2**20 / (48.0 * max(labels.size, 1)))))
    with np.errstate(invalid="ignore", divide="ignore"):
        evaluate = _evaluator(
            labels, scores, unit, n_units, unit_group, n_groups, threshold, ece_bins
        )
        observed = statistic(evaluate(unit_group[None, :]))
        strata = [np.flatnonzero(unit_pos), np.flatnonzero(~unit_pos)]
        exceed = dict.fromkeys(observed, 0)
        for j in range(0, permutations, BLOCK):
            block = _block(
                seed, stream, j // BLOCK, min(BLOCK, permutations - j), unit_group, strata
            )
            for lo in range(0, block.shape[0], piece):
                perm = statistic(evaluate(block[lo : lo + piece]))
                for k, obs in observed.items():
                    o = float(obs[0])
                    if np.isnan(o):
                        continue
                    tol = 1e-12 * max(1.0, abs(o))
                    exceed[k] += int(np.sum(np.isnan(perm[k]) | (perm[k] >= o - tol)))
    return {
        k: None if np.isnan(obs[0]) or permutations == 0 else (1 + exceed[k]) / (1 + permutations)
        for k, obs in observed.items()
    }


def _block(seed, stream, block, size, unit_group, strata) -> np.ndarray:
    ss = np.random.SeedSequence(seed, spawn_key=(1, stream, block))
    rng = np.random.Generator(np.random.PCG64(ss))
    out = np.tile(unit_group, (size, 1))
    for members in strata:
        if members.size > 1:
            out[:, members] = rng.permuted(out[:, members], axis=1)
    return out
