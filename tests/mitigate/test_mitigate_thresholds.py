"""Per-group thresholds fitted on validation scores; checked against fairlearn's
ThresholdOptimizer."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator, ClassifierMixin

from fairgov.mitigate import MitigationError, fit_group_thresholds

GRID = 20_000  # fairlearn searches a grid of this size; fairgov finds the exact optimum


class _Scores(BaseEstimator, ClassifierMixin):
    """A 'fitted' estimator whose prediction is the score in column 0."""

    def fit(self, X, y):  # type: ignore[no-untyped-def]
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):  # type: ignore[no-untyped-def]
        return np.asarray(X)[:, 0]


def _data(seed: int = 1, n: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.where(g == "a", 0.3, 0.5)).astype(int)
    shift = np.select([g == "a", g == "b"], [0.0, 0.7], 1.2)
    s = 1 / (1 + np.exp(-(1.5 * y - 0.5 + shift + rng.normal(0, 1, n))))
    return np.round(s, 3), y, g  # rounding makes ties


def _rates(p: np.ndarray, y: np.ndarray, g: np.ndarray) -> dict[str, tuple[float, float]]:
    """(TPR, FPR) per group of the positive-prediction probabilities (NaN without rows)."""

    def mean(rows: np.ndarray) -> float:
        return float(p[rows].mean()) if rows.any() else float("nan")

    return {k: (mean((g == k) & (y == 1)), mean((g == k) & (y == 0))) for k in np.unique(g)}


def _accuracy(p: np.ndarray, y: np.ndarray) -> float:
    return float((p * y + (1 - p) * (1 - y)).mean())


def _fairlearn(s, y, g, constraints):  # type: ignore[no-untyped-def]
    to = ThresholdOptimizer(
        estimator=_Scores().fit(None, None),
        constraints=constraints,
        objective="accuracy_score",
        prefit=True,
        predict_method="predict",
        grid_size=GRID,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to.fit(s[:, None], y, sensitive_features=g)
        return to._pmf_predict(s[:, None], sensitive_features=g)[:, 1]


@pytest.mark.parametrize(
    "objective, constraints",
    [("equal_opportunity", "true_positive_rate_parity"), ("equalized_odds", "equalized_odds")],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_randomized_thresholds_equal_fairlearn(objective: str, constraints: str, seed: int) -> None:
    s, y, g = _data(seed)
    ref = _fairlearn(s, y, g, constraints)
    fit = fit_group_thresholds(s, y, g, objective, randomized=True, by="site")
    mine = fit.positive_probability(s, g)
    ours, theirs = _rates(mine, y, g), _rates(ref, y, g)
    tprs = [r[0] for r in ours.values()]
    assert max(tprs) - min(tprs) < 1e-12  # exact parity
    if objective == "equalized_odds":
        fprs = [r[1] for r in ours.values()]
        assert max(fprs) - min(fprs) < 1e-12
    for k in ours:
        assert ours[k][0] == pytest.approx(theirs[k][0], abs=5 / GRID)
        assert ours[k][1] == pytest.approx(theirs[k][1], abs=5 / GRID)
    # the exact optimum is at least as good as fairlearn's grid optimum, and within its grid
    assert _accuracy(mine, y) >= _accuracy(ref, y) - 1e-12
    assert _accuracy(mine, y) - _accuracy(ref, y) < 2 / GRID
    assert fit.by == "site" and fit.mix is not None
    for ops in fit.mix.values():
        assert sum(p for _, p in ops) == pytest.approx(1.0, abs=1e-12)


def test_randomized_flags_are_deterministic_and_match_their_expectation() -> None:
    s, y, g = _data(3, n=20000)
    fit = fit_group_thresholds(s, y, g, "equalized_odds", randomized=True)
    a, b = fit.flags(s, g, seed=5), fit.flags(s, g, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, fit.flags(s, g, seed=6))
    p = fit.positive_probability(s, g)
    for k in np.unique(g):
        rows = g == k
        assert a[rows].mean() == pytest.approx(p[rows].mean(), abs=0.02)


@pytest.mark.parametrize("value", [0.5, 0.85, 0.9, 1.0])
def test_target_sensitivity_is_the_largest_threshold_reaching_the_value(value: float) -> None:
    s, y, g = _data(4)
    fit = fit_group_thresholds(s, y, g, "target_sensitivity", value=value)
    assert fit.mix is None and fit.value == value
    flags = fit.flags(s, g)
    for k in np.unique(g):
        pos = s[(g == k) & (y == 1)]
        t = fit.thresholds[k]
        assert np.mean(pos >= t) >= value
        assert t in set(pos.tolist())  # an observed positive score
        higher = pos[pos > t]
        if len(higher):  # the next larger threshold misses the target
            assert np.mean(pos >= higher.min()) < value
        assert flags[(g == k) & (y == 1)].mean() == np.mean(pos >= t)


def test_randomized_target_sensitivity_hits_the_value_exactly() -> None:
    s, y, g = _data(5)
    fit = fit_group_thresholds(s, y, g, "target_sensitivity", value=0.8, randomized=True)
    p = fit.positive_probability(s, g)
    for k, (tpr, _) in _rates(p, y, g).items():
        assert tpr == pytest.approx(0.8, abs=1e-12), k


def test_deterministic_equal_opportunity_follows_its_rule() -> None:
    s, y, g = _data(6, n=500)
    fit = fit_group_thresholds(s, y, g, "equal_opportunity")
    assert fit.mix is None
    acc = _accuracy(fit.flags(s, g).astype(float), y)
    # brute force over every common level tau: each group's largest threshold with TPR >= tau
    best = -1.0
    levels = sorted(
        {np.mean(s[(g == k) & (y == 1)] >= t) for k in "abc" for t in s[g == k]} | {0.0}
    )
    for tau in levels:
        flags = np.zeros(len(s))
        for k in "abc":
            pos = s[(g == k) & (y == 1)]
            cands = [t for t in np.unique(s[g == k]) if np.mean(pos >= t) >= tau - 1e-12]
            flags[g == k] = s[g == k] >= max(cands)
        best = max(best, _accuracy(flags, y))
    assert acc == pytest.approx(best, abs=1e-12)


def test_deterministic_equalized_odds_is_near_the_randomised_point() -> None:
    s, y, g = _data(7)
    exact = fit_group_thresholds(s, y, g, "equalized_odds", randomized=True)
    near = fit_group_thresholds(s, y, g, "equalized_odds")
    target = next(iter(_rates(exact.positive_probability(s, g), y, g).values()))
    for k, (tpr, fpr) in _rates(near.flags(s, g).astype(float), y, g).items():
        assert max(abs(tpr - target[0]), abs(fpr - target[1])) < 0.05, k


def test_to_json_round_trips_through_json() -> None:
    s, y, g = _data(8)
    fit = fit_group_thresholds(s, y, g, "equalized_odds", randomized=True, by="site")
    doc = json.loads(json.dumps(fit.to_json(), allow_nan=False))
    assert doc["by"] == "site" and doc["objective"] == "equalized_odds" and doc["randomized"]
    assert set(doc["thresholds"]) == {"a", "b", "c"}
    for ops in doc["mix"].values():
        assert sum(p for _, p in ops) == pytest.approx(1.0)


def test_group_missing_from_validation_or_without_positives_is_coded() -> None:
    s, y, g = _data(9)
    with pytest.raises(MitigationError, match="'b' has no validation positives") as err:
        fit_group_thresholds(s, np.where(g == "b", 0, y), g, "target_sensitivity", value=0.8)
    assert err.value.code == "FG471"
    with pytest.raises(MitigationError) as err:
        fit_group_thresholds(s, np.where(g == "c", 1, y), g, "equalized_odds")
    assert err.value.code == "FG471"
    fit = fit_group_thresholds(s[g != "c"], y[g != "c"], g[g != "c"], "equal_opportunity")
    with pytest.raises(MitigationError, match="'c'") as err:
        fit.flags(s, g)
    assert err.value.code == "FG472"
    with pytest.raises(MitigationError, match="'c' of 'site' have no validation rows") as err:
        fit_group_thresholds(
            s[g != "c"],
            y[g != "c"],
            g[g != "c"],
            "equal_opportunity",
            by="site",
            required=["a", "c"],
        )
    assert err.value.code == "FG471"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": "demographic_parity"},
        {"objective": "target_sensitivity"},
        {"objective": "target_sensitivity", "value": 0.0},
        {"objective": "target_sensitivity", "value": 1.5},
    ],
)
def test_bad_parameters_are_fg473(kwargs: dict) -> None:  # type: ignore[type-arg]
    s, y, g = _data(10, n=200)
    with pytest.raises(MitigationError) as err:
        fit_group_thresholds(s, y, g, **kwargs)
    assert err.value.code == "FG473"


def test_random_small_inputs_give_exact_randomised_parity_or_a_coded_error() -> None:
    rng = np.random.default_rng(0)
    for _ in range(150):
        n = int(rng.integers(2, 30))
        s = np.round(rng.random(n), int(rng.integers(0, 3)))  # many ties
        y = rng.integers(0, 2, n)
        g = rng.choice(["a", "b", "c"][: int(rng.integers(1, 4))], n)
        for objective in ("target_sensitivity", "equal_opportunity", "equalized_odds"):
            try:
                fit = fit_group_thresholds(s, y, g, objective, value=0.7, randomized=True)
            except MitigationError as err:
                assert err.code == "FG471"
                continue
            assert fit.mix is not None
            for ops in fit.mix.values():
                assert sum(p for _, p in ops) == pytest.approx(1.0, abs=1e-9)
                assert all(p > 0 for _, p in ops)
            rates = _rates(fit.positive_probability(s, g), y, g)
            tprs = [r[0] for r in rates.values()]
            if objective == "target_sensitivity":
                assert tprs == pytest.approx([0.7] * len(tprs), abs=1e-9)
            else:
                assert max(tprs) - min(tprs) < 1e-9
            if objective == "equalized_odds":
                fprs = [r[1] for r in rates.values()]
                assert max(fprs) - min(fprs) < 1e-9
