"""Multilabel / multiclass probes and task-level metrics against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from fairgov.evaluate.config import ProbeConfig, ProbeError
from fairgov.evaluate.multiprobe import fit_softmax, macro_auroc, multi_probe, softmax_probe
from fairgov.evaluate.probe import linear_probe
from fairgov.evaluate.tasks import Endpoint, MultiTask
from fairgov.metrics.bootstrap import resample_counts
from fairgov.metrics.config import BootstrapConfig
from fairgov.metrics.multiclass import task_metrics, weighted_auroc


def _data(n: int = 300, d: int = 6, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    centers = rng.normal(0, 1.2, (k, d))
    X = centers[y] + rng.normal(0, 1.0, (n, d))
    return X, y


def test_softmax_fit_matches_sklearn_multinomial() -> None:
    X, y = _data()
    for C in (0.05, 1.0):
        W, b = fit_softmax(X, y, 3, C)
        ref = LogisticRegression(C=C, max_iter=5000, tol=1e-12).fit(X, y)
        np.testing.assert_allclose(W.T, ref.coef_, atol=2e-4)
        ours = np.exp(X @ W + b)
        ours /= ours.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(ours, ref.predict_proba(X), atol=1e-5)


def test_softmax_probe_selects_c_on_validation_macro_auroc() -> None:
    X, y = _data(450)
    Y = np.eye(3, dtype=int)[y]
    tr, va, te = slice(0, 250), slice(250, 350), slice(350, 450)
    cfg = ProbeConfig(Cs=(0.001, 1.0))
    val, test, record = softmax_probe(X[tr], Y[tr], X[va], Y[va], X[te], cfg)
    assert val.shape == (100, 3) and test.shape == (100, 3)
    np.testing.assert_allclose(val.sum(axis=1), 1.0)
    per_c = record["val_macro_auroc_per_C"]
    assert (
        str(record["C"]) == max(per_c, key=lambda c: (per_c[c], -float(c)))
        and record["C"] in cfg.Cs
    )
    assert per_c[str(record["C"])] == pytest.approx(roc_auc_score(y[va], val, multi_class="ovr"))
    assert roc_auc_score(y[te], test, multi_class="ovr") > 0.8


def test_softmax_probe_refuses_a_class_without_train_rows() -> None:
    X, y = _data()
    Y = np.eye(3, dtype=int)[y]
    Y[:200, 2] = 0
    Y[:200, 0] |= y[:200] == 2
    with pytest.raises(ProbeError) as info:
        softmax_probe(X[:200], Y[:200], X[200:], Y[200:], X[200:], ProbeConfig())
    assert info.value.code == "FG440" and "no train rows" in str(info.value)


def test_multilabel_probe_is_one_binary_probe_per_label() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    Y = np.column_stack([(X[:, j] + rng.normal(0, 0.7, 300) > 0).astype(int) for j in range(3)])
    task = MultiTask("multilabel", tuple(Endpoint(n, n, "1") for n in "abc"), {})
    split = {"train": slice(0, 150), "validation": slice(150, 225), "test": slice(225, 300)}
    cfg = ProbeConfig(Cs=(0.1, 1.0))
    val, test, record = multi_probe(
        task, {s: X[i] for s, i in split.items()}, {s: Y[i] for s, i in split.items()}, cfg
    )
    for j, name in enumerate("abc"):
        one = linear_probe(X[:150], Y[:150, j], X[150:225], Y[150:225, j], X[225:], cfg)
        np.testing.assert_array_equal(val[:, j], one.scores_val)
        np.testing.assert_array_equal(test[:, j], one.scores_test)
        assert record["labels"][name]["C"] == one.C
        # the probe is sklearn's L2 logistic regression on the standardised train rows
        Z = (X - X[:150].mean(0)) / X[:150].std(0)
        ref = LogisticRegression(C=one.C, max_iter=5000, tol=1e-12).fit(Z[:150], Y[:150, j])
        np.testing.assert_allclose(test[:, j], ref.predict_proba(Z[225:])[:, 1], atol=1e-5)


def test_a_label_with_one_class_in_train_is_fg440() -> None:
    X = np.random.default_rng(2).normal(size=(90, 3))
    Y = np.zeros((90, 2), dtype=int)
    Y[::2, 0] = 1
    task = MultiTask("multilabel", (Endpoint("a", "a", "1"), Endpoint("b", "b", "1")), {})
    parts = {"train": X[:30], "validation": X[30:60], "test": X[60:]}
    with pytest.raises(ProbeError) as info:
        multi_probe(
            task, parts, {"train": Y[:30], "validation": Y[30:60], "test": Y[60:]}, ProbeConfig()
        )
    assert info.value.code == "FG440" and str(info.value).startswith("label 'b'")


def test_weighted_auroc_equals_auroc_of_the_repeated_rows() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    s = np.round(rng.random(60), 1)  # ties
    W = rng.integers(0, 4, (60, 5)).astype(float)
    got = weighted_auroc(y, s, W)
    for b in range(5):
        rows = np.repeat(np.arange(60), W[:, b].astype(int))
        assert got[b] == pytest.approx(roc_auc_score(y[rows], s[rows]))


def test_task_metrics_match_sklearn_overall_and_per_group() -> None:
    X, y = _data(400, seed=4)
    P = np.exp(X[:, :3])
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(3, dtype=int)[y]
    groups = {"sex": np.where(np.arange(400) % 3 == 0, "female", "male")}
    patients = np.array([f"p{i // 2}" for i in range(400)])
    out = task_metrics(
        Y, P, patients, groups, ["a", "b", "c"], BootstrapConfig(resamples=200, seed=1)
    )
    overall = out["overall"]["metrics"]
    assert overall["macro_auroc"]["value"] == pytest.approx(
        roc_auc_score(y, P, multi_class="ovr", average="macro")
    )
    assert overall["balanced_accuracy"]["value"] == pytest.approx(
        balanced_accuracy_score(y, P.argmax(1))
    )
    assert macro_auroc(Y, P) == pytest.approx(overall["macro_auroc"]["value"])
    cells = out["attributes"]["sex"]["groups"]
    values = {}
    for g in ("female", "male"):
        m = groups["sex"] == g
        values[g] = roc_auc_score(y[m], P[m], multi_class="ovr")
        assert cells[g]["metrics"]["macro_auroc"]["value"] == pytest.approx(values[g])
        assert cells[g]["metrics"]["balanced_accuracy"]["value"] == pytest.approx(
            balanced_accuracy_score(y[m], P[m].argmax(1))
        )
        stat = cells[g]["metrics"]["macro_auroc"]
        assert stat["ci_low"] < stat["value"] < stat["ci_high"]
        assert cells[g]["class_counts"] == {c: int((y[m] == j).sum()) for j, c in enumerate("abc")}
    gap = out["attributes"]["sex"]["gaps"]["macro_auroc"]
    assert gap["value"] == pytest.approx(abs(values["female"] - values["male"]))
    assert gap["group"] == min(values, key=values.get)
    assert 0 <= gap["ci_low"] <= gap["ci_high"]
    assert out["overall"]["n_clusters"] == 200


def test_balanced_accuracy_interval_is_the_patient_bootstrap_of_sklearn_per_group() -> None:
    """Each group's balanced-accuracy interval = percentiles of sklearn's
    balanced_accuracy_score under the patient (cluster) resample weights that the generator
    shared with the per-class metrics draws (rows of one patient move together)."""
    X, y = _data(300, seed=8)
    P = np.exp(X[:, :3])
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(3, dtype=int)[y]
    patients = np.array([f"p{i // 3:03d}" for i in range(300)])  # three images per patient
    groups = {"site": np.where(np.arange(300) % 2 == 0, "north", "south")}
    config = BootstrapConfig(resamples=120, seed=3, interval="percentile")
    out = task_metrics(Y, P, patients, groups, ["a", "b", "c"], config)
    _, cluster = np.unique(patients, return_inverse=True)
    (_, counts), *rest = list(resample_counts(config, [int(cluster.max()) + 1], 500))
    assert rest == [] and counts.shape == (100, 120)
    pred = P.argmax(1)
    for g in ("north", "south"):
        m = groups["site"] == g
        draws = [
            balanced_accuracy_score(y[m], pred[m], sample_weight=counts[cluster[m], b])
            for b in range(120)
        ]
        stat = out["attributes"]["site"]["groups"][g]["metrics"]["balanced_accuracy"]
        assert stat["value"] == pytest.approx(balanced_accuracy_score(y[m], pred[m]))
        assert (stat["ci_low"], stat["ci_high"]) == pytest.approx(
            tuple(np.quantile(draws, [0.025, 0.975]))
        )
    # a row-level (not patient-level) bootstrap gives other intervals: the check can fail
    rows = np.random.default_rng(0).integers(0, 300, (300, 120))
    row_w = np.stack([np.bincount(rows[:, b], minlength=300) for b in range(120)], axis=1)
    m = groups["site"] == "north"
    row_draws = [
        balanced_accuracy_score(y[m], pred[m], sample_weight=row_w[m, b]) for b in range(120)
    ]
    north = out["attributes"]["site"]["groups"]["north"]["metrics"]["balanced_accuracy"]
    assert north["ci_low"] != pytest.approx(np.quantile(row_draws, 0.025))


def test_task_metrics_are_undefined_when_a_class_is_thin_and_deterministic() -> None:
    X, y = _data(120, seed=5)
    P = np.exp(X[:, :3])
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(3, dtype=int)[y]
    groups = {"site": np.where(np.arange(120) < 10, "small", "big")}
    args = (
        Y,
        P,
        np.arange(120).astype(str),
        groups,
        ["a", "b", "c"],
        BootstrapConfig(resamples=50, seed=2),
    )
    out = task_metrics(*args, min_rows=5)
    small = out["attributes"]["site"]["groups"]["small"]["metrics"]["macro_auroc"]
    assert small["value"] is None and "fewer than 5 rows of class" in small["reason"]
    assert out["attributes"]["site"]["gaps"]["macro_auroc"]["value"] is None
    assert task_metrics(*args, min_rows=5) == out
