"""Interval methods, simultaneous intervals, signed differences and the debiased ECE."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from fairgov.metrics import BootstrapConfig, MetricsInputError, MinEvidence, measure
from fairgov.metrics import simultaneous as sim
from fairgov.metrics.intervals import acceleration, compute
from fairgov.metrics.layout import bin_index
from fairgov.metrics.simulate import Scenario, simulate


def _mean_resamples(x: np.ndarray, b: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return x[rng.integers(0, x.size, (b, x.size))].mean(axis=1)


def test_bca_matches_scipy_on_a_skewed_mean() -> None:
    x = np.random.default_rng(1).exponential(size=40)
    jack = np.array([np.delete(x, i).mean() for i in range(x.size)])
    boot = _mean_resamples(x, 20000, 2)
    low, high, frac = compute("bca", boot[:, None], np.array([x.mean()]), jack[:, None], 0.95, 0.99)
    ref = stats.bootstrap(
        (x,), np.mean, n_resamples=20000, method="BCa", random_state=3
    ).confidence_interval
    width = ref.high - ref.low
    assert frac[0] == 1.0
    assert abs(low[0] - ref.low) < 0.03 * width and abs(high[0] - ref.high) < 0.03 * width
    # a skewed statistic: BCa moves the interval right of the percentile one
    p_low, p_high, _ = compute("percentile", boot[:, None], None, None, 0.95, 0.99)
    assert low[0] > p_low[0] and high[0] > p_high[0]


def test_acceleration_is_the_jackknife_skewness() -> None:
    jack = np.array([1.0, 2.0, 4.0, 8.0])
    d = jack.mean() - jack
    assert acceleration(jack) == pytest.approx((d**3).sum() / (6 * (d**2).sum() ** 1.5))
    assert acceleration(np.full(5, 3.0)) == 0.0


def test_normal_and_percentile_methods() -> None:
    boot = np.random.default_rng(0).normal(2.0, 0.5, (4000, 2))
    boot[:10, 1] = np.nan
    low, high, frac = compute("normal", boot, np.array([2.0, 1.0]), None, 0.9, 0.99)
    sd = np.nanstd(boot, axis=0, ddof=1)
    assert low == pytest.approx([2.0 - 1.6448536 * sd[0], 1.0 - 1.6448536 * sd[1]], rel=1e-6)
    assert frac[1] == pytest.approx(1 - 10 / 4000)
    low, high, _ = compute("percentile", boot, None, None, 0.9, 0.99)
    assert high[1] == pytest.approx(np.quantile(boot[10:, 1], 0.95))
    low, high, _ = compute("percentile", boot, None, None, 0.9, 1.0)
    assert np.isnan(low[1]) and not np.isnan(low[0])


def test_max_t_critical_value_and_derived_intervals() -> None:
    boot = np.random.default_rng(0).normal(0, 1, (20000, 5))
    m = sim.maxt(np.zeros(5), boot, 0.95, 0.99)
    assert m is not None
    # P(max of 5 |N(0,1)| <= c) = 0.95  =>  c = Phi^-1((1 + 0.95^(1/5)) / 2)
    assert m.crit == pytest.approx(stats.norm.ppf((1 + 0.95 ** 0.2) / 2), abs=0.03)
    m2 = sim.MaxT(np.array([0.1, -0.02]), np.array([0.01, 0.01]), 2.0, np.zeros((2, 2)))
    assert sim.abs_max_interval(m2) == pytest.approx((0.08, 0.12))
    assert sim.worst_interval(m2, "min") == pytest.approx((-0.04, 0.0))
    assert sim.p_pass(list(np.linspace(0.1, 0.2, 19)), 0.05) == 0.0
    assert sim.p_pass(list(np.linspace(0.1, 0.2, 19)), 0.25) == 1.0
    assert sim.p_pass(list(np.linspace(0.1, 0.2, 19)), 0.15) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def planted():
    sc = Scenario((150, 150, 150), (0.85, 0.8, 0.75), names=("a", "b", "c"))
    d = simulate(sc, 4)
    r = measure(
        d["labels"],
        d["scores"],
        d["clusters"],
        {"g": d["group"]},
        0.5,
        bootstrap=BootstrapConfig(resamples=300, seed=1),
        min_evidence=MinEvidence(0, 10, 10),
        permutations=0,
    ).to_dict()
    return d, r


def _walk_values(node, path=""):
    if isinstance(node, dict):
        if "value" in node and "ci_low" in node:
            yield path, node
        for k, v in node.items():
            yield from _walk_values(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_values(v, f"{path}/{i}")


def test_every_estimate_lies_in_its_interval_or_says_why(planted) -> None:
    _, r = planted
    seen = 0
    for path, v in _walk_values(r):
        if v["value"] is None or v["ci_low"] is None:
            continue
        seen += 1
        inside = v["ci_low"] - 1e-9 <= v["value"] <= v["ci_high"] + 1e-9
        assert inside or "estimate outside its" in (v.get("reason") or ""), path
    assert seen > 100


def test_gaps_and_worst_use_simultaneous_intervals_containing_the_estimate(planted) -> None:
    _, r = planted
    aggs = r["attributes"]["g"]["aggregates"]
    for key in ("gap", "worst"):
        v = aggs["auroc"][key]
        assert v["interval"] == "max-t simultaneous"
        assert v["ci_low"] <= v["value"] <= v["ci_high"]
    assert aggs["equalized_odds"]["interval"] == "max-t simultaneous"
    assert aggs["auroc"]["ratio"]["interval"] == "bca"
    assert len(aggs["auroc"]["gap"]["fair_upper"]) == 19
    assert aggs["auroc"]["gap"]["fair_upper"] == sorted(aggs["auroc"]["gap"]["fair_upper"])


def test_signed_differences_match_sklearn_group_aurocs(planted) -> None:
    d, r = planted
    diffs = r["attributes"]["g"]["aggregates"]["auroc"]["gap"]["differences"]
    assert [(x["group"], x["reference"]) for x in diffs] == [("a", "b"), ("a", "c"), ("b", "c")]
    auc = {
        g: roc_auc_score(d["labels"][d["group"] == g], d["scores"][d["group"] == g]) for g in "abc"
    }
    for x in diffs:
        assert x["value"] == pytest.approx(auc[x["group"]] - auc[x["reference"]], abs=1e-12)
        assert x["sim_low"] <= x["value"] <= x["sim_high"]
        # simultaneous intervals are wider than marginal ones
        assert x["sim_high"] - x["sim_low"] > x["ci_high"] - x["ci_low"]
    gap = r["attributes"]["g"]["aggregates"]["auroc"]["gap"]
    assert gap["value"] == pytest.approx(max(abs(x["value"]) for x in diffs), abs=1e-12)


def test_debiased_ece_is_the_per_bin_variance_corrected_sum(planted) -> None:
    d, r = planted
    for g in "abc":
        m = d["group"] == g
        y, s, c = d["labels"][m], d["scores"][m], d["clusters"][m]
        resid = y - s
        b = bin_index(s, 10)
        big_d = np.bincount(b, weights=resid, minlength=10)
        cl = np.unique(c * 10 + b, return_inverse=True)[1].ravel()
        per = np.bincount(cl, weights=resid)
        key = np.unique(c * 10 + b) % 10
        q = np.bincount(key, weights=per**2, minlength=10)
        want = np.sqrt(np.maximum(0, big_d**2 - q)).sum() / y.size
        ece = r["attributes"]["g"]["groups"][g]["metrics"]["ece"]
        assert ece["debiased"]["value"] == pytest.approx(want, abs=1e-12)
        assert ece["debiased"]["value"] < ece["value"]
        assert ece["value"] == pytest.approx(np.abs(big_d).sum() / y.size, abs=1e-12)


def test_unknown_interval_method_is_refused() -> None:
    with pytest.raises(MetricsInputError, match="percentile, bca, normal or studentized"):
        BootstrapConfig(interval="bootstrap-t")
