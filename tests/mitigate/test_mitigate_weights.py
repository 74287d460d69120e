"""Group-balanced weights and resampling."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.mitigate import MitigationError, balanced_resample, balanced_weights


def _groups(seed: int = 0, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.choice(["north", "south", "east"], n, p=[0.7, 0.2, 0.1])
    y = (rng.random(n) < np.where(g == "east", 0.6, 0.25)).astype(int)
    return g, y


def test_weights_equal_total_per_group_and_mean_one() -> None:
    g, _ = _groups()
    w = balanced_weights(g)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    totals = {k: w[g == k].sum() for k in np.unique(g)}
    for t in totals.values():
        assert t == pytest.approx(len(g) / 3, rel=1e-12)
    # within a group all rows weigh the same
    for k in np.unique(g):
        assert np.ptp(w[g == k]) == 0.0


def test_weights_equal_total_per_group_and_label_cell() -> None:
    g, y = _groups(1)
    w = balanced_weights(g, y)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    for k in np.unique(g):
        for c in (0, 1):
            assert w[(g == k) & (y == c)].sum() == pytest.approx(len(g) / 6, rel=1e-12)


def test_group_without_training_positives_is_fg470() -> None:
    g, y = _groups(2)
    y[g == "south"] = 0
    with pytest.raises(MitigationError, match="'south' has no training positives") as err:
        balanced_weights(g, y)
    assert err.value.code == "FG470"
    with pytest.raises(MitigationError) as err2:
        balanced_resample(g, y, seed=0)
    assert err2.value.code == "FG470"
    assert balanced_weights(g).shape == g.shape  # balancing by group alone still works


def test_length_mismatch_is_fg473() -> None:
    g, y = _groups(3)
    with pytest.raises(MitigationError) as err:
        balanced_weights(g, y[:-1])
    assert err.value.code == "FG473"


@pytest.mark.parametrize("with_label", [False, True])
def test_resample_is_balanced_deterministic_and_stays_in_cells(with_label: bool) -> None:
    g, y = _groups(4, n=1001)
    labels = y if with_label else None
    idx = balanced_resample(g, labels, seed=7)
    assert len(idx) == len(g)
    assert np.all(np.diff(idx) >= 0)
    cell = np.char.add(g, np.char.mod("|%d", y)) if with_label else g
    _, counts = np.unique(cell[idx], return_counts=True)
    assert len(counts) == (6 if with_label else 3)
    assert counts.max() - counts.min() <= 1
    assert counts.sum() == len(g)
    np.testing.assert_array_equal(idx, balanced_resample(g, labels, seed=7))
    assert not np.array_equal(idx, balanced_resample(g, labels, seed=8))
    # the small cells are drawn with replacement, so rows repeat there
    assert np.bincount(idx)[g == "east"].max() > 1
