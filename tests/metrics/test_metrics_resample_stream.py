"""Resample counts, both orientations, equal the reference stream (one call per stratum)."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.metrics import BootstrapConfig
from fairgov.metrics.bootstrap import resample_counts, resample_counts_t


def per_stratum_counts(seed: int, resamples: int, sizes: list[int]) -> np.ndarray:
    """The reference: per block of 25 resamples one PCG64 stream, one
    ``integers(0, m, size=(b, m))`` call per stratum, counts by bincount."""
    n = sum(sizes)
    out = np.zeros((n, resamples))
    for j in range(0, resamples, BootstrapConfig.BLOCK):
        b = min(resamples, j + BootstrapConfig.BLOCK) - j
        ss = np.random.SeedSequence(seed, spawn_key=(0, j // BootstrapConfig.BLOCK))
        rng = np.random.Generator(np.random.PCG64(ss))
        off = 0
        for m in sizes:
            draws = rng.integers(0, m, size=(b, m)) + off
            for r in range(b):
                out[:, j + r] += np.bincount(draws[r], minlength=n)
            off += m
    return out


@pytest.mark.parametrize(
    ("sizes", "resamples", "chunk"),
    [([1], 10, 25), ([3, 1, 1, 7, 40], 60, 25), ([2] * 50 + [1, 9], 30, 50), ([100], 25, 500)],
)
def test_counts_equal_the_per_stratum_stream(sizes: list[int], resamples: int, chunk: int) -> None:
    cfg = BootstrapConfig(resamples=resamples, seed=11)
    want = per_stratum_counts(11, resamples, sizes)
    got = np.concatenate([c for _, c in resample_counts(cfg, sizes, chunk)], axis=1)
    got_t = np.concatenate([c for _, c in resample_counts_t(cfg, sizes, chunk)], axis=0)
    assert np.array_equal(got, want)
    assert np.array_equal(got_t.T, want)
    # every stratum keeps its number of clusters in every resample
    bounds = np.cumsum([0, *sizes])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        assert (got[lo:hi].sum(axis=0) == hi - lo).all()
