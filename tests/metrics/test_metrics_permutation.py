"""Holm adjustment (statsmodels' definition, hand-derived) and the permutation test."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.metrics import BootstrapConfig, MinEvidence, holm, measure, weighted_group_metrics
from fairgov.metrics.permkernel import permuted_metrics, prepare
from fairgov.metrics.permutation import _block


@pytest.mark.parametrize(
    "p, expected",
    [
        # sorted 0.005*4=.02, 0.01*3=.03, 0.03*2=.06, 0.04*1=.04 -> running max .06
        ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
        ([0.5, 0.6], [1.0, 1.0]),  # 0.5*2 = 1.0, clipped; monotone
        ([0.02, 0.02, 0.5], [0.06, 0.06, 0.5]),  # ties: .06, then max(.04, .06)
        ([0.001], [0.001]),
        ([], []),
        ([0.04, 0.001, 0.3, 0.012, 0.01], [0.08, 0.005, 0.3, 0.04, 0.04]),
    ],
)
def test_holm_hand_derived(p, expected):
    assert holm(p) == pytest.approx(expected, abs=1e-15)


def test_holm_rejects_bad_input():
    with pytest.raises(ValueError):
        holm([0.1, float("nan")])
    with pytest.raises(ValueError):
        holm([1.2])


def clustered(seed, patients=80, k=4, effect=0.0):
    rng = np.random.default_rng(seed)
    p = np.repeat(np.arange(patients), k)
    grp = np.repeat(rng.choice(np.array(["a", "b"], dtype=object), patients), k)
    y = np.repeat(rng.random(patients) < 0.4, k).astype(int)
    slope = np.where(grp == "a", 1.0 + effect, 1.0)
    logit = slope * y + np.repeat(rng.normal(0, 1.5, patients), k) + rng.normal(0, 0.3, p.size)
    return y, 1 / (1 + np.exp(-logit)), p, grp


def pvalue(y, s, p, grp, perms=99, seed=0, metric="auroc"):
    res = measure(
        y,
        s,
        p,
        {"g": grp},
        0.5,
        metrics=[metric],
        permutations=perms,
        bootstrap=BootstrapConfig(resamples=0, seed=seed),
        min_evidence=MinEvidence(0, 0, 0),
    )
    return res.attributes["g"].aggregates[metric]["gap"].p_value


def test_clear_gap_gets_smallest_p():
    y, s, p, grp = clustered(0, patients=200, k=1, effect=4.0)
    assert pvalue(y, s, p, grp) == 1 / 100


def test_null_with_clustering_is_calibrated():
    """Patients contribute 4 strongly correlated images; a row-level permutation
    would reject far too often. The cluster-level scheme keeps the level."""
    ps = np.array([pvalue(*clustered(seed), perms=49) for seed in range(60)])
    assert (ps <= 0.1).sum() <= 14
    assert 0.35 <= ps.mean() <= 0.65
    assert set(np.round(ps * 50).astype(int)) <= set(range(1, 51))


def test_permutation_keeps_positive_units_per_group():
    unit_group = np.array([0, 0, 1, 1, 1, 0, 1, 0])
    strata = [np.array([0, 2, 3]), np.array([1, 4, 5, 6, 7])]  # units with / without positives
    out = _block(1, 0, 0, 50, unit_group, strata)
    for members in strata:
        assert (np.sort(out[:, members], axis=1) == np.sort(unit_group[members])).all()
    assert len({tuple(r) for r in out}) > 5


def test_pvalues_deterministic_per_seed():
    args = clustered(3, effect=0.5)
    assert pvalue(*args, seed=1) == pvalue(*args, seed=1)
    assert any(
        pvalue(*args, seed=1, metric=m) != pvalue(*args, seed=2, metric=m)
        for m in ("auroc", "brier", "ece")
    )


@pytest.mark.parametrize("seed", range(6))
def test_sorted_permutation_kernel_matches_weighted_kernel(seed):
    """The sort-based kernel used for permutations equals the weighted kernels."""
    rng = np.random.default_rng(seed)
    n_units, n_groups = 60, 4
    unit = rng.integers(0, n_units, 400)
    unit[:n_units] = np.arange(n_units)
    y = rng.integers(0, 2, 400)
    s = np.round(rng.random(400), 1 + seed % 2)  # heavy ties
    data = prepare(y, s, unit, n_units, 0.5, 7)
    assign = np.stack([rng.permutation(np.arange(n_units) % n_groups) for _ in range(5)])
    got = permuted_metrics(data, assign, n_groups)
    for b in range(assign.shape[0]):
        names, expect = weighted_group_metrics(
            y, s, None, assign[b][unit], threshold=0.5, ece_bins=7
        )
        assert names.tolist() == list(range(n_groups))
        for m, values in expect.items():
            np.testing.assert_allclose(got[m][b], values[0], rtol=0, atol=1e-12, err_msg=m)


def test_both_permutation_evaluators_give_identical_pvalues(monkeypatch):
    import fairgov.metrics.permutation as perm

    rng = np.random.default_rng(11)
    y, s, p, _ = clustered(4, patients=90, k=2, effect=0.3)
    grp = np.repeat(rng.choice(np.array(["a", "b", "c"], dtype=object), 90), 2)
    kw = {
        "permutations": 49,
        "bootstrap": BootstrapConfig(resamples=0),
        "min_evidence": MinEvidence(0, 0, 0),
    }
    weighted = measure(y, np.round(s, 2), p, {"g": grp}, 0.5, **kw).to_dict()
    monkeypatch.setattr(perm, "WEIGHTED_MAX_GROUPS", 0)
    sorted_ = measure(y, np.round(s, 2), p, {"g": grp}, 0.5, **kw).to_dict()
    pw = {
        m: a["gap"]["p_value"] if "gap" in a else a["p_value"]
        for m, a in weighted["attributes"]["g"]["aggregates"].items()
    }
    ps = {
        m: a["gap"]["p_value"] if "gap" in a else a["p_value"]
        for m, a in sorted_["attributes"]["g"]["aggregates"].items()
    }
    assert pw == ps
    assert min(v for v in pw.values() if v is not None) < 1
