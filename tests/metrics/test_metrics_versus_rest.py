"""Each group against the rest of the rows (`versus_rest` of a gap): values equal scikit-learn's
metric of the group minus the same metric of every other row, intervals contain their estimate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import recall_score, roc_auc_score

from fairgov.metrics import BootstrapConfig, MinEvidence, measure
from fairgov.metrics.api import REST_MAX_GROUPS

KW = {
    "bootstrap": BootstrapConfig(resamples=120, seed=2),
    "min_evidence": MinEvidence(0, 5, 5),
    "permutations": 0,
    "versus_rest": True,
}


def _data(groups: list[str], n: int = 900, seed: int = 0):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(groups, dtype=object), n)
    y = rng.binomial(1, 0.4, n)
    shift = np.array([0.4 * i for i in range(len(groups))])[np.searchsorted(sorted(groups), g)]
    s = 1 / (1 + np.exp(-((1.5 - shift) * (2 * y - 1) + rng.normal(0, 1, n))))
    patients = np.array(
        [f"p{i // 2}" for i in range(n)]
    )  # two images per patient (same group per pair)
    for i in range(1, n, 2):
        g[i], y[i] = g[i - 1], y[i - 1]
    return y, s, patients, g


def test_differences_to_the_rest_are_sklearn_metric_of_group_minus_rest() -> None:
    y, s, p, g = _data(["a", "b", "c"])
    g[:30] = None  # unknown rows belong to every group's rest
    gap = measure(y, s, p, {"g": g}, 0.5, metrics=["auroc", "tpr"], **KW).to_dict()["attributes"][
        "g"
    ]["aggregates"]
    known = np.array([x is not None for x in g])
    for metric, fn in (("auroc", roc_auc_score), ("tpr", lambda t, x: recall_score(t, x >= 0.5))):
        rows = {d["group"]: d for d in gap[metric]["gap"]["versus_rest"]}
        assert set(rows) == {"a", "b", "c"} and {d["reference"] for d in rows.values()} == {"rest"}
        for name, d in rows.items():
            mine = known & (g == name)
            assert d["value"] == pytest.approx(
                fn(y[mine], s[mine]) - fn(y[~mine], s[~mine]), abs=1e-12
            )
            assert d["sim_low"] <= d["value"] <= d["sim_high"] and d["se"] > 0
            assert (
                d["sim_high"] - d["sim_low"] >= d["ci_high"] - d["ci_low"] - 1e-12
            )  # simultaneous is wider


def test_two_groups_rest_is_the_other_group() -> None:
    y, s, p, g = _data(["a", "b"])
    gap = measure(y, s, p, {"g": g}, 0.5, metrics=["auroc"], **KW).to_dict()["attributes"]["g"][
        "aggregates"
    ]
    (pair,) = gap["auroc"]["gap"]["differences"]
    rest = {d["group"]: d for d in gap["auroc"]["gap"]["versus_rest"]}
    assert rest["a"]["value"] == pytest.approx(pair["value"], abs=1e-12)
    assert rest["b"]["value"] == pytest.approx(-pair["value"], abs=1e-12)
    assert rest["a"]["se"] == pytest.approx(pair["se"], rel=1e-9)  # the same resamples


def test_many_groups_have_no_rest_differences() -> None:
    y, s, p, g = _data([f"g{i}" for i in range(REST_MAX_GROUPS + 1)], n=1800)
    gap = measure(y, s, p, {"g": g}, 0.5, metrics=["tpr"], **KW).to_dict()["attributes"]["g"][
        "aggregates"
    ]
    assert "versus_rest" not in gap["tpr"]["gap"] and gap["tpr"]["gap"]["value"] is not None


def test_rest_differences_are_measured_only_where_asked() -> None:
    y, s, p, g = _data(["a", "b", "c"])
    kw = {**KW, "versus_rest": ["other"]}
    both = measure(y, s, p, {"g": g, "other": g}, 0.5, metrics=["tpr"], **kw).to_dict()[
        "attributes"
    ]
    assert "versus_rest" not in both["g"]["aggregates"]["tpr"]["gap"]
    assert len(both["other"]["aggregates"]["tpr"]["gap"]["versus_rest"]) == 3
