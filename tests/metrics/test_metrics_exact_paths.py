"""The count-only fast paths of `measure` give the same bits as the general scan.

`deleted_block_stats` (the jackknife as totals minus each block's part, no per-block scan) and
`segment_stats(..., counts=True)` (P summed directly) are used only where every quantity is an
integer below 2**52; there they must equal the general path exactly, ties, empty segments,
segments without predicted positives and one-class segments included. The AUROC numerator is
also checked against scikit-learn on the deleted-block rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from fairgov.metrics.bootstrap import cluster_strata
from fairgov.metrics.inputs import sorted_unique
from fairgov.metrics.kernels import deleted_block_stats, metrics_from_stats, segment_stats
from fairgov.metrics.layout import build_layout

NEED = frozenset({"tpr", "fpr", "auroc"})
FIELDS = ("n", "pos", "neg", "tp", "fp", "auc_num")


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    ncl = int(rng.integers(1, n + 1))
    nseg = int(rng.integers(1, 6))
    y = (rng.random(n) < rng.random()).astype(np.int8)
    levels = int(rng.integers(1, 25))
    s = (
        rng.integers(0, levels, n) / max(levels - 1, 1) if seed % 2 else rng.random(n)
    )  # ties on odd seeds
    g = rng.integers(0, nseg, n)
    cl = rng.integers(0, ncl, n)
    t = float(rng.choice([0.0, 0.3, 0.5, 1.0, 1.1]))
    return y, s, g, nseg, cl, ncl, t


def _scan_jackknife(lay, block, n_blocks, ncl):
    drop = sp.csr_matrix((np.ones(ncl), (np.arange(ncl), block)), shape=(ncl, n_blocks))
    total = np.asarray(lay.rank_t @ np.ones((ncl, 1)))
    rank = total - (lay.rank_t @ drop).toarray()
    return segment_stats(lay, np.broadcast_to(np.float64(0.0), (ncl, n_blocks)), NEED, rank)


@pytest.mark.parametrize("seed", range(120))
def test_deleted_block_stats_equal_the_scan(seed: int) -> None:
    y, s, g, nseg, cl, ncl, t = _case(seed)
    lay = build_layout(y, s, g, nseg, cl, ncl, t, 10)
    n_blocks = int(min(ncl, 1 + seed % 17))
    block = np.arange(ncl) % n_blocks
    with np.errstate(invalid="ignore", divide="ignore"):
        old, new = (
            _scan_jackknife(lay, block, n_blocks, ncl),
            deleted_block_stats(lay, block, n_blocks),
        )
        mo, mn = metrics_from_stats(old), metrics_from_stats(new)
    for f in FIELDS:
        assert getattr(new, f).shape == (n_blocks, nseg)
        np.testing.assert_array_equal(getattr(new, f), getattr(old, f), err_msg=f)
    for m in ("tpr", "fpr", "auroc"):
        np.testing.assert_array_equal(mn[m], mo[m], err_msg=m)


def test_deleted_block_auroc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(5)
    n, ncl = 400, 150
    y = (rng.random(n) < 0.4).astype(np.int8)
    s = rng.integers(0, 12, n) / 11  # many ties across labels
    cl = rng.integers(0, ncl, n)
    lay = build_layout(y, s, np.zeros(n, dtype=np.int64), 1, cl, ncl, 0.5, 10)
    assert lay.n_tie > 0
    block = np.arange(ncl) % 7
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = metrics_from_stats(deleted_block_stats(lay, block, 7))["auroc"][:, 0]
    for b in range(7):
        keep = block[cl] != b
        assert auc[b] == pytest.approx(roc_auc_score(y[keep], s[keep]), abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_count_scan_equals_the_general_scan(seed: int) -> None:
    y, s, g, nseg, cl, ncl, t = _case(seed)
    lay = build_layout(y, s, g, nseg, cl, ncl, t, 10)
    counts = (
        np.random.default_rng(seed).integers(0, 4, (ncl, 7)).astype(float)
    )  # bootstrap-like counts
    with np.errstate(invalid="ignore", divide="ignore"):
        old, new = segment_stats(lay, counts, NEED), segment_stats(lay, counts, NEED, counts=True)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(new, f), getattr(old, f), err_msg=f)


def test_sorted_unique_is_np_unique() -> None:
    rng = np.random.default_rng(2)
    for a in (
        np.array([], dtype=np.int64),
        np.array([3]),
        rng.integers(-5, 5, 1000),
        rng.integers(0, 2**62, 5000),
    ):
        np.testing.assert_array_equal(sorted_unique(a), np.unique(a))
        assert sorted_unique(a).dtype == np.unique(a).dtype


def test_cluster_strata_unchanged_by_the_sort_based_unique() -> None:
    """Strata from the sort-based unique equal strata from np.unique (the reference below)."""
    rng = np.random.default_rng(3)
    n, ncl = 3000, 800
    cl, y = rng.integers(0, ncl, n), (rng.random(n) < 0.3).astype(np.int8)
    codes = [rng.integers(0, 3, n), rng.integers(0, 4, n)]
    strata = cluster_strata(cl, ncl, y, codes, 5)
    key = codes[0] * 4 + codes[1]
    pairs = np.unique(cl.astype(np.int64) * 12 + key)
    assert np.array_equal(sorted_unique(cl.astype(np.int64) * 12 + key), pairs)
    assert sorted(np.concatenate(strata).tolist()) == list(range(ncl))


def _reference_strata(cl, ncl, y, codes, min_size):
    """The strata by definition: a cluster's key is the tuple of the group combinations of
    its rows and whether it has a positive; small strata pooled per label; strata ordered by
    their first cluster."""
    combos: dict[int, set[tuple[int, ...]]] = {}
    for c, *key in zip(cl.tolist(), *(k.tolist() for k in codes), strict=True):
        combos.setdefault(c, set()).add(tuple(key))
    pos = np.zeros(ncl, dtype=bool)
    pos[cl[y.astype(bool)]] = True
    key_of = {c: (tuple(sorted(combos.get(c, ()))), bool(pos[c])) for c in range(ncl)}
    members: dict[object, list[int]] = {}
    for c in range(ncl):
        members.setdefault(key_of[c], []).append(c)
    pooled: dict[object, list[int]] = {}
    for k, cs in members.items():
        pooled.setdefault(k if len(cs) >= min_size else ("pooled", k[1]), []).extend(cs)
    return sorted((sorted(cs) for cs in pooled.values()), key=lambda cs: cs[0])


@pytest.mark.parametrize("levels", [3, 2000])
def test_cluster_strata_match_their_definition(levels: int) -> None:
    """Clusters whose rows fall into several group combinations (patients whose age band or
    site differ between visits): keyed by the set of their combinations, one integer key per
    combination (few levels) or rows of keys (2000 levels: the keys would not fit int64)."""
    rng = np.random.default_rng(levels)
    ncl = 700
    cl = np.repeat(np.arange(ncl), rng.integers(1, 8, ncl))
    n = cl.size
    y = (rng.random(n) < 0.3).astype(np.int8)
    codes = [rng.integers(0, levels, n), rng.integers(0, 2, n)]
    got = [sorted(s.tolist()) for s in cluster_strata(cl, ncl, y, codes, 2)]
    assert got == _reference_strata(cl, ncl, y, codes, 2)
    assert max(len(s) for s in got) > 1


def test_drawn_counts_equal_the_numpy_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba's draw loop gives numpy's counts (the same uniforms, the same floor)."""
    from fairgov.metrics import bootstrap, compiled

    sizes = [1, 7, 300, 2, 1000]
    fast = bootstrap.block_counts_t(11, 3, sizes, 25)
    monkeypatch.setattr(compiled, "draw_counts", lambda u, m: None)
    slow = bootstrap.block_counts_t(11, 3, sizes, 25)
    assert fast.dtype == slow.dtype == np.int64
    assert np.array_equal(fast, slow)
    assert (fast.sum(axis=1) == sum(sizes)).all()
    off = np.cumsum([0, *sizes])
    for a, b, m in zip(off[:-1], off[1:], sizes, strict=True):  # draws stay in their stratum
        assert (fast[:, a:b].sum(axis=1) == m).all()
