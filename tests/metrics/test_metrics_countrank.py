"""The bootstrap's integer path (`countrank`) gives the scan's values bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov import metrics as fm
from fairgov.metrics import api, compiled
from fairgov.metrics.bootstrap import resample_counts_t
from fairgov.metrics.countrank import _numpy_counts, count_layout, count_stats, narrow
from fairgov.metrics.kernels import metrics_from_stats, segment_stats
from fairgov.metrics.layout import build_layout

NEED = frozenset({"tpr", "fpr", "auroc", "ppv", "balanced_accuracy"})


def data(n: int, ties: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int8)
    s = 1 / (1 + np.exp(-(-1.5 + 2 * y + rng.standard_normal(n))))
    if ties:
        s = np.round(s, 1)
    cl = rng.integers(0, n // 2, n)
    cl = np.unique(cl, return_inverse=True)[1]
    return y, s, cl, int(cl.max()) + 1


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n_segments", [1, 4])
def test_count_stats_equal_segment_stats(ties: bool, n_segments: int) -> None:
    y, s, cl, ncl = data(3000, ties)
    g = np.random.default_rng(1).integers(0, n_segments, y.size)
    g[g == n_segments - 1] = 0 if n_segments > 2 else g[g == n_segments - 1]  # an empty segment
    lay = build_layout(y, s, g, n_segments, cl, ncl, 0.4, 10)
    cly = count_layout(y, s, g, n_segments, cl, 0.4)
    cfg = fm.BootstrapConfig(resamples=60, seed=5)
    for _, counts_t in resample_counts_t(cfg, [ncl], 25):
        want = metrics_from_stats(
            segment_stats(lay, np.ascontiguousarray(counts_t.T, dtype=float), NEED, counts=True)
        )
        stats = count_stats(cly, counts_t)
        assert stats is not None
        got = metrics_from_stats(stats)
        assert want.keys() == got.keys()
        for k in want:
            assert np.array_equal(want[k], got[k], equal_nan=True), k
        assert not np.isnan(got["auroc"][:, 0]).all()


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n_segments", [1, 5])
@pytest.mark.parametrize("wide", [False, True])
def test_compiled_kernel_equals_numpy_loop(ties: bool, n_segments: int, wide: bool) -> None:
    """numba's kernel gives the numpy loop's integers (int8 and int64 counts, ties, empty
    segments), and count_stats uses it."""
    assert compiled.available()
    y, s, cl, ncl = data(2500, ties, seed=7)
    g = np.random.default_rng(2).integers(0, n_segments, y.size)
    if n_segments > 2:
        g[g == 2] = 1  # an empty segment
    cly = count_layout(y, s, g, n_segments, cl, 0.35)
    cfg = fm.BootstrapConfig(resamples=40, seed=3)
    for _, counts_t in resample_counts_t(cfg, [ncl], 20):
        if wide:
            counts_t = counts_t.astype(np.int64) * 300  # beyond int8: the int64 kernel
        small, top = narrow(counts_t)
        assert small.dtype == (np.int64 if wide else np.int8)
        got = compiled.counts(cly, small)
        assert got is not None and got.dtype == np.int64
        want = _numpy_counts(cly, small, top)
        assert np.array_equal(got, want)
        assert (got[0].sum() > 0) and (got[4] != 0).any()
        a = count_stats(cly, small, top)
        b = count_stats(cly, small, top, jit=False)
        assert a is not None and b is not None
        for k in ("n", "pos", "neg", "tp", "fp", "auc_num"):
            assert np.array_equal(getattr(a, k), getattr(b, k)), k


def test_count_stats_refuses_values_beyond_exact_floats() -> None:
    y, s, cl, ncl = data(200, False)
    cly = count_layout(y, s, np.zeros(y.size, dtype=np.int64), 1, cl, 0.5)
    huge = np.full((1, ncl), 2**24, dtype=np.int64)
    assert count_stats(cly, huge) is None


@pytest.mark.parametrize("ties", [False, True])
def test_measure_same_with_and_without_the_integer_path(
    ties: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    y, s, cl, _ = data(4000, ties, seed=3)
    rng = np.random.default_rng(4)
    groups = {
        "site": rng.choice(["a", "b", "c", ""], y.size),
        "sex": rng.choice(["F", "M"], y.size),
    }
    kw = dict(
        threshold=0.45,
        metrics=["tpr", "fpr", "auroc"],
        bootstrap=fm.BootstrapConfig(resamples=50, seed=9),
        permutations=0,
        versus_rest=True,
    )
    calls: list[int] = []

    def counting(lay, counts_t, top=None):
        calls.append(1)
        return count_stats(lay, counts_t, top)

    monkeypatch.setattr(api, "count_stats", counting)
    monkeypatch.setattr(api, "COUNT_PATH_CELLS", 10**9)  # every layout takes the integer path
    fast = fm.measure(y, s, cl, groups, **kw).to_dict()
    taken = len(calls)
    monkeypatch.setattr(api, "COUNT_PATH_CELLS", 0)  # every layout scans
    slow = fm.measure(y, s, cl, groups, **kw).to_dict()
    assert taken > 0 and len(calls) == taken  # the integer path ran, then only the scan
    assert fast == slow
    assert fast["overall"]["metrics"]["auroc"]["ci_low"] is not None


def test_interval_normal_functions_are_scipy_norm() -> None:
    from scipy.special import ndtr, ndtri
    from scipy.stats import norm

    q = np.concatenate([np.random.default_rng(0).random(2000), [0.0, 1.0, 0.5, 0.025, 0.975]])
    x = np.concatenate([np.random.default_rng(1).standard_normal(2000) * 4, [np.inf, -np.inf]])
    assert np.array_equal(ndtri(q), norm.ppf(q))
    assert np.array_equal(ndtr(x), norm.cdf(x))


def test_compiled_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where numba finds no folder to cache in (it raises RuntimeError), the kernel is
    compiled for this process only and gives the same integers."""
    import numba

    real = numba.njit

    def no_cache(*args, **kw):
        if kw.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **kw)

    monkeypatch.setattr(numba, "njit", no_cache)
    for f in (compiled._njit, compiled._compiled):
        f.cache_clear()
    try:
        y, s, cl, ncl = data(500, True, seed=2)
        cly = count_layout(y, s, np.zeros(y.size, dtype=np.int64), 1, cl, 0.4)
        counts_t = next(resample_counts_t(fm.BootstrapConfig(resamples=10, seed=1), [ncl], 10))[1]
        small, top = narrow(counts_t)
        got = compiled.counts(cly, small)
        assert got is not None
        assert np.array_equal(got, _numpy_counts(cly, small, top))
    finally:
        for f in (compiled._njit, compiled._compiled):
            f.cache_clear()
