"""Threshold policies checked against brute force over all candidate thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.metrics import MetricsInputError, fit_threshold


def rates(y, s, t):
    pred = s >= t
    tp, fp = (pred & (y == 1)).sum(), (pred & (y == 0)).sum()
    return tp / (y == 1).sum(), fp / (y == 0).sum(), tp, fp


def candidates(s):
    return np.r_[np.unique(s), np.nextafter(s.max(), np.inf)]


def sample(seed, n=80, decimals=2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = np.round(np.clip(rng.normal(0.4 + 0.25 * y, 0.2), 0, 1), decimals)
    return y, s


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("target", [0.0, 0.05, 0.2, 0.5])
def test_target_fpr(seed, target):
    y, s = sample(seed)
    t = fit_threshold(y, s, "target_fpr", target)
    tpr, fpr, *_ = rates(y, s, t)
    assert fpr <= target
    best = max(rates(y, s, c)[0] for c in candidates(s) if rates(y, s, c)[1] <= target)
    assert tpr == best
    # no higher threshold reaches the same sensitivity with a lower FPR
    assert all(rates(y, s, c)[1] >= fpr for c in candidates(s) if rates(y, s, c)[0] == best)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.95, 1.0])
def test_target_sensitivity(seed, target):
    y, s = sample(seed)
    t = fit_threshold(y, s, "target_sensitivity", target)
    assert rates(y, s, t)[0] >= target
    assert t == max(c for c in candidates(s) if rates(y, s, c)[0] >= target)


@pytest.mark.parametrize("seed", range(10))
def test_max_f1_and_youden(seed):
    y, s = sample(seed, decimals=1)
    n_pos = (y == 1).sum()

    def f1(c):
        _, _, tp, fp = rates(y, s, c)
        return 2 * tp / (2 * tp + fp + (n_pos - tp))

    def youden(c):
        tpr, fpr, *_ = rates(y, s, c)
        return tpr - fpr

    for policy, objective in (("max_f1", f1), ("youden", youden)):
        t = fit_threshold(y, s, policy)
        values = {c: objective(c) for c in candidates(s)}
        best = max(values.values())
        assert objective(t) == pytest.approx(best, abs=1e-15)
        assert t == max(c for c, v in values.items() if v == pytest.approx(best, abs=1e-15))


def test_thresholds_never_split_ties():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.2, 0.5, 0.5, 0.5, 0.9, 0.1])
    for policy, value in (
        ("target_fpr", 0.4),
        ("target_sensitivity", 0.9),
        ("max_f1", None),
        ("youden", None),
    ):
        assert fit_threshold(y, s, policy, value) in set(s.tolist()) | {np.nextafter(0.9, 1)}
    assert fit_threshold(y, s, "target_fpr", 0.0) == 0.9  # 0.5 would add a false positive


def test_fixed_and_errors():
    assert fit_threshold([0, 1], [0.2, 0.7], "fixed", 0.42) == 0.42
    with pytest.raises(MetricsInputError, match="needs a value"):
        fit_threshold([0, 1], [0.2, 0.7], "fixed")
    with pytest.raises(MetricsInputError, match="unknown threshold policy"):
        fit_threshold([0, 1], [0.2, 0.7], "median")
    with pytest.raises(MetricsInputError, match="both classes"):
        fit_threshold([1, 1], [0.2, 0.7], "youden")
    with pytest.raises(MetricsInputError, match="value in"):
        fit_threshold([0, 1], [0.2, 0.7], "target_fpr", 1.5)
