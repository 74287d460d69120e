"""Aggregates against fairlearn 0.15 (MetricFrame, equalized odds, equal opportunity)."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
)
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from fairgov.metrics import METRICS, BootstrapConfig, MinEvidence, measure, weighted_group_metrics
from fairgov.metrics import aggregates as agg

TOL = 1e-12
T = 0.5
PRED_METRICS = {
    "tpr": recall_score,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
    "fpr": false_positive_rate,
    "ppv": precision_score,
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "selection_rate": selection_rate,
}
SCORE_METRICS = {
    "auroc": roc_auc_score,
    "average_precision": average_precision_score,
    "brier": brier_score_loss,
}


def data(seed: int, n: int = 400, groups=("a", "b", "c", "d")):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(groups, dtype=object), n)
    shift = {k: i * 0.3 for i, k in enumerate(groups)}
    y = rng.integers(0, 2, n)
    logit = 1.5 * y - 0.7 + np.array([shift[k] for k in g]) + rng.normal(0, 1, n)
    s = np.round(1 / (1 + np.exp(-logit)), 2)
    return y, s, g


def frames(y, s, g, w):
    pred = (s >= T).astype(int)
    params = {k: {"sample_weight": w} for k in PRED_METRICS}
    mp = MetricFrame(
        metrics=PRED_METRICS, y_true=y, y_pred=pred, sensitive_features=g, sample_params=params
    )
    params = {k: {"sample_weight": w} for k in SCORE_METRICS}
    ms = MetricFrame(
        metrics=SCORE_METRICS, y_true=y, y_pred=s, sensitive_features=g, sample_params=params
    )
    return pred, mp, ms


@pytest.mark.parametrize("seed", range(3))
def test_aggregates_match_fairlearn_with_bootstrap_weights(seed):
    y, s, g = data(seed)
    rng = np.random.default_rng(100 + seed)
    weights = rng.multinomial(y.size, np.full(y.size, 1 / y.size), size=3).astype(float)
    names, per_group = weighted_group_metrics(y, s, weights, g, threshold=T)
    _, overall = weighted_group_metrics(y, s, weights, None, threshold=T)
    for b, w in enumerate(weights):
        pred, mp, ms = frames(y, s, g, w)
        for frame, metric_names in ((mp, PRED_METRICS), (ms, SCORE_METRICS)):
            by_group = frame.by_group
            diff, ratio = frame.difference(), frame.ratio()
            to_overall = frame.difference(method="to_overall")
            gmin, gmax = frame.group_min(), frame.group_max()
            for m in metric_names:
                vals = per_group[m][[b]]
                assert vals[0] == pytest.approx(by_group[m].loc[names].to_numpy(), abs=TOL)
                assert agg.gap(vals)[0] == pytest.approx(diff[m], abs=TOL)
                assert agg.ratio(vals, METRICS[m])[0] == pytest.approx(ratio[m], abs=TOL)
                assert agg.to_overall(vals, overall[m][b])[0][0] == pytest.approx(
                    to_overall[m], abs=TOL
                )
                info = METRICS[m]
                if info.worst in ("min", "max"):
                    expect = gmin[m] if info.worst == "min" else gmax[m]
                    assert agg.worst(vals, info)[0][0] == pytest.approx(expect, abs=TOL)
        odds = agg.odds(per_group["tpr"][[b]], per_group["fpr"][[b]])
        kw = {"sensitive_features": g, "sample_weight": w}
        assert odds["equalized_odds"][0] == pytest.approx(
            equalized_odds_difference(y, pred, **kw), abs=TOL
        )
        assert odds["equalized_odds_mean"][0] == pytest.approx(
            equalized_odds_difference(y, pred, agg="mean", **kw), abs=TOL
        )
        assert agg.gap(per_group["tpr"][[b]])[0] == pytest.approx(
            equal_opportunity_difference(y, pred, **kw), abs=TOL
        )


def test_measure_aggregates_match_fairlearn_and_exclude_undefined_groups():
    y, s, g = data(7, n=600)
    g[:8] = "e"
    y[:8] = 1  # group "e": positives only -> AUROC, FPR undefined
    res = measure(
        y,
        s,
        np.arange(y.size),
        {"grp": g},
        T,
        bootstrap=BootstrapConfig(resamples=0),
        min_evidence=MinEvidence(0, 0, 0),
        permutations=0,
    )
    keep = g != "e"
    pred, mp, ms = frames(y[keep], s[keep], g[keep], np.ones(keep.sum()))
    aggs = res.attributes["grp"].aggregates
    assert aggs["auroc"]["gap"].value == pytest.approx(ms.difference()["auroc"], abs=TOL)
    assert aggs["auroc"]["gap"].reason == "excluded groups with undefined value: e"
    assert aggs["auroc"]["gap"].included == ("a", "b", "c", "d")
    assert aggs["auroc"]["worst"].value == pytest.approx(ms.group_min()["auroc"], abs=TOL)
    assert aggs["auroc"]["worst"].group == ms.by_group["auroc"].idxmin()
    assert aggs["brier"]["worst"].value == pytest.approx(ms.group_max()["brier"], abs=TOL)
    assert aggs["fpr"]["ratio"].value == pytest.approx(mp.ratio()["fpr"], abs=TOL)
    # TPR is defined for "e" (positives only), so equal opportunity includes it
    kw = {"sensitive_features": g}
    assert aggs["equal_opportunity"].value == pytest.approx(
        equal_opportunity_difference(y, (s >= T).astype(int), **kw), abs=TOL
    )
    eod = equalized_odds_difference(y[keep], pred, sensitive_features=g[keep])
    assert aggs["equalized_odds"].value == pytest.approx(eod, abs=TOL)
    overall = res.overall.metrics["accuracy"].value
    dev = max(
        abs(c.metrics["accuracy"].value - overall)
        for k, c in res.attributes["grp"].groups.items()
        if c.n > 0 and k != "unknown"
    )
    assert aggs["accuracy"]["to_overall"].value == pytest.approx(dev, abs=TOL)


def test_fewer_than_two_defined_groups_is_undefined():
    y, s, g = data(1, n=200, groups=("a", "b"))
    y[g == "b"] = 1
    res = measure(
        y,
        s,
        np.arange(y.size),
        {"grp": g},
        T,
        bootstrap=BootstrapConfig(resamples=0),
        min_evidence=MinEvidence(0, 0, 0),
        permutations=0,
    )
    gap = res.attributes["grp"].aggregates["auroc"]["gap"]
    assert gap.value is None
    assert gap.reason == "undefined: fewer than 2 groups with a defined value (excluded: b)"


def test_signed_and_directionless_aggregates():
    y, s, g = data(2, n=300, groups=("a", "b"))
    res = measure(
        y,
        s,
        np.arange(y.size),
        {"grp": g},
        T,
        bootstrap=BootstrapConfig(resamples=0),
        min_evidence=MinEvidence(0, 0, 0),
        permutations=0,
    )
    aggs = res.attributes["grp"].aggregates
    cal = [res.attributes["grp"].groups[k].metrics["calibration_in_the_large"].value for k in "ab"]
    assert aggs["calibration_in_the_large"]["worst"].value == pytest.approx(max(map(abs, cal)))
    assert aggs["calibration_in_the_large"]["ratio"].value is None
    assert "signed" in aggs["calibration_in_the_large"]["ratio"].reason
    assert aggs["selection_rate"]["worst"].value is None
    assert aggs["selection_rate"]["gap"].value is not None
