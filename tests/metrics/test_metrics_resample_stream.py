"""Resample counts, both orientations, equal the reference stream (one uniform draw per
block for all strata at once), and the draws are uniform within each stratum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fairgov.metrics import BootstrapConfig
from fairgov.metrics.bootstrap import resample_counts, resample_counts_t


def one_draw_counts(seed: int, resamples: int, sizes: list[int], stream: int = 0) -> np.ndarray:
    """The reference: per block of 25 resamples one PCG64 stream and one
    ``random((b, clusters))`` call; slot k of stratum i (size m, first code off) draws
    cluster ``off + floor(u * m)``; counts per resample, one slot at a time."""
    n = sum(sizes)
    out = np.zeros((n, resamples))
    for j in range(0, resamples, BootstrapConfig.BLOCK):
        b = min(resamples, j + BootstrapConfig.BLOCK) - j
        ss = np.random.SeedSequence(seed, spawn_key=(stream, j // BootstrapConfig.BLOCK))
        u = np.random.Generator(np.random.PCG64(ss)).random((b, n))
        for r in range(b):
            slot = 0
            off = 0
            for m in sizes:
                for _ in range(m):
                    out[off + int(np.floor(u[r, slot] * m)), j + r] += 1
                    slot += 1
                off += m
    return out


@pytest.mark.parametrize(
    ("sizes", "resamples", "chunk"),
    [([1], 10, 25), ([3, 1, 1, 7, 40], 60, 25), ([2] * 50 + [1, 9], 30, 50), ([100], 25, 500)],
)
def test_counts_equal_the_one_draw_stream(sizes: list[int], resamples: int, chunk: int) -> None:
    cfg = BootstrapConfig(resamples=resamples, seed=11)
    want = one_draw_counts(11, resamples, sizes)
    got = np.concatenate([c for _, c in resample_counts(cfg, sizes, chunk)], axis=1)
    got_t = np.concatenate([c for _, c in resample_counts_t(cfg, sizes, chunk)], axis=0)
    assert np.array_equal(got, want)
    assert np.array_equal(got_t.T, want)
    # every stratum keeps its number of clusters in every resample
    bounds = np.cumsum([0, *sizes])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        assert (got[lo:hi].sum(axis=0) == hi - lo).all()


def test_streams_are_independent_families() -> None:
    cfg = BootstrapConfig(resamples=25, seed=3)
    main = next(resample_counts_t(cfg, [50], 25))[1]
    other = next(resample_counts_t(cfg, [50], 25, stream=2))[1]
    assert np.array_equal(other, one_draw_counts(3, 25, [50], stream=2).T)
    assert not np.array_equal(main, other)


def test_largest_uniform_stays_inside_its_stratum() -> None:
    # the largest value random() returns is 1 - 2**-53; times any stratum size m < 2**53 it
    # rounds to below m, so floor never reaches the next stratum's first cluster
    top = np.nextafter(1.0, 0.0)
    m = np.unique(np.r_[np.arange(1, 5000), 2 ** np.arange(1, 53), 2 ** np.arange(2, 53) - 1,
                        2 ** np.arange(1, 52) + 1, 3 * 2 ** np.arange(0, 51)]).astype(float)
    assert (np.floor(top * m) < m).all()
    assert (np.floor(top * m) == m - 1).all()


def test_draws_are_uniform_within_strata() -> None:
    # 2,000 resamples of strata of sizes 5 and 40: each cluster is drawn m * B / m = B times
    # on average; a chi-square test of the total counts per cluster does not reject uniform
    cfg = BootstrapConfig(resamples=2000, seed=5)
    sizes = [5, 40]
    got = np.concatenate([c for _, c in resample_counts_t(cfg, sizes, 500)], axis=0)
    bounds = np.cumsum([0, *sizes])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        totals = got[:, lo:hi].sum(axis=0)
        assert stats.chisquare(totals).pvalue > 1e-3
        # one resample's count of one cluster is Binomial(m, 1/m)
        m = hi - lo
        col = got[:, lo]
        assert abs(col.mean() - 1.0) < 4 * np.sqrt((1 - 1 / m) / col.size)
        assert abs(col.var() - (1 - 1 / m)) < 0.15
