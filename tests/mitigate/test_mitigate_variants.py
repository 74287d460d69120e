"""Probe variants (reweight, resample, group DRO) and the rule that nothing is fitted on test
rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.probe import linear_probe
from fairgov.mitigate import (
    MitigationError,
    balanced_resample,
    balanced_weights,
    fit_group_thresholds,
    fit_probe_variant,
    group_dro,
)

CFG = ProbeConfig(Cs=(0.01, 0.1, 1.0, 10.0))


def _split(seed: int = 0, n: int = 900):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < 0.15, "rare", "common")
    y = (rng.random(n) < 0.4).astype(int)
    X = rng.normal(size=(n, 6)) * 2.0 + 1.0
    sign = np.where(y == 1, 1.0, -1.0)
    X[:, 0] += sign * np.where(g == "common", 1.0, -0.3)
    X[:, 1] += sign * np.where(g == "rare", 1.5, 0.1) + (g == "rare") * 2.0
    split = np.array(["train"] * 500 + ["validation"] * 200 + ["test"] * 200)
    return X, y, g, split


def _variant(mitigation, X, y, g, split, cfg=CFG):  # type: ignore[no-untyped-def]
    tr, va, te = (split == s for s in ("train", "validation", "test"))
    return fit_probe_variant(mitigation, X[tr], y[tr], g[tr], X[va], y[va], X[te], cfg)


@pytest.mark.parametrize("with_label", [False, True])
def test_reweight_variant_is_the_weighted_probe_and_matches_sklearn(with_label: bool) -> None:
    X, y, g, split = _split()
    res = _variant({"type": "reweight", "with_label": with_label}, X, y, g, split)
    tr = split == "train"
    w = balanced_weights(g[tr], y[tr] if with_label else None)
    same = linear_probe(
        X[tr],
        y[tr],
        X[split == "validation"],
        y[split == "validation"],
        X[split == "test"],
        CFG,
        sample_weight=w,
    )
    np.testing.assert_array_equal(res.coef, same.coef)
    assert res.C == same.C and res.val_auroc_per_C == same.val_auroc_per_C
    mu, sd = X[tr].mean(0), X[tr].std(0)
    ref = LogisticRegression(C=res.C, tol=1e-14, max_iter=100_000).fit(
        (X[tr] - mu) / sd, y[tr], sample_weight=w
    )
    np.testing.assert_allclose(res.coef, ref.coef_[0], atol=1e-6)


def test_resample_variant_equals_sklearn_on_the_resampled_rows() -> None:
    X, y, g, split = _split(1)
    mitigation = SimpleNamespace(type="resample", with_label=False, seed=4)  # a spec-like object
    res = _variant(mitigation, X, y, g, split)
    tr = np.flatnonzero(split == "train")
    idx = tr[balanced_resample(g[tr], None, seed=4)]
    mu, sd = X[tr].mean(0), X[tr].std(0)  # standardised on the train rows, as the plain probe
    ref = LogisticRegression(C=res.C, tol=1e-14, max_iter=100_000).fit((X[idx] - mu) / sd, y[idx])
    np.testing.assert_allclose(res.coef, ref.coef_[0], atol=1e-6)


def test_group_dro_variant_fits_the_dro_probe_per_c() -> None:
    X, y, g, split = _split(2)
    res = _variant({"type": "group_dro", "step_size": 0.02}, X, y, g, split)
    tr = split == "train"
    mu, sd = X[tr].mean(0), X[tr].std(0)
    direct = group_dro(
        (X[tr] - mu) / sd, y[tr], g[tr], res.C, max_iter=CFG.max_iter, step_size=0.02
    )
    np.testing.assert_array_equal(res.coef, direct.coef)
    assert set(res.val_auroc_per_C) == set(CFG.Cs)
    assert res.val_auroc_per_C[res.C] == max(res.val_auroc_per_C.values())


def test_unknown_variant_type_is_fg474() -> None:
    X, y, g, split = _split(3)
    with pytest.raises(MitigationError) as err:
        _variant({"type": "group_thresholds"}, X, y, g, split)
    assert err.value.code == "FG474"


def test_group_array_of_wrong_length_is_fg473() -> None:
    X, y, g, split = _split(3)
    tr, va = split == "train", split == "validation"
    with pytest.raises(MitigationError) as err:
        fit_probe_variant({"type": "reweight"}, X[tr], y[tr], g[tr][:-1], X[va], y[va], X[va], CFG)
    assert err.value.code == "FG473"


@pytest.mark.parametrize(
    "mitigation",
    [
        {"type": "reweight", "with_label": True},
        {"type": "resample", "with_label": True, "seed": 0},
        {"type": "group_dro", "step_size": 0.01},
    ],
)
def test_test_rows_fit_nothing(mitigation: dict) -> None:  # type: ignore[type-arg]
    """Changing the test rows' labels and embeddings moves no weight, probe or threshold."""
    X, y, g, split = _split(4)
    te = split == "test"
    rng = np.random.default_rng(9)
    y2, X2, g2 = y.copy(), X.copy(), g.copy()
    y2[te] = rng.integers(0, 2, te.sum())
    X2[te] = rng.normal(size=(te.sum(), X.shape[1])) * 10
    g2[te] = rng.choice(["common", "rare"], te.sum())
    a = _variant(mitigation, X, y, g, split)
    b = _variant(mitigation, X2, y2, g2, split)
    np.testing.assert_array_equal(a.coef, b.coef)
    assert a.intercept == b.intercept and a.C == b.C
    np.testing.assert_array_equal(a.scores_val, b.scores_val)
    assert not np.array_equal(a.scores_test, b.scores_test)  # the test rows were only scored
    va = split == "validation"
    for objective, kwargs in (
        ("target_sensitivity", {"value": 0.85}),
        ("equalized_odds", {"randomized": True}),
    ):
        ta = fit_group_thresholds(a.scores_val, y[va], g[va], objective, **kwargs)
        tb = fit_group_thresholds(b.scores_val, y2[va], g2[va], objective, **kwargs)
        assert ta == tb
    tr = split == "train"
    np.testing.assert_array_equal(balanced_weights(g[tr], y[tr]), balanced_weights(g2[tr], y2[tr]))


def test_record_says_what_the_mitigation_did() -> None:
    X, y, g, split = _split(5)
    tr = split == "train"
    rec: dict = {}  # type: ignore[type-arg]
    va, te = split == "validation", split == "test"
    fit_probe_variant(
        {"type": "reweight", "with_label": True},
        X[tr],
        y[tr],
        g[tr],
        X[va],
        y[va],
        X[te],
        CFG,
        record=rec,
    )
    assert set(rec["cell_weight"]) == {"common|0", "common|1", "rare|0", "rare|1"}
    assert all(v == pytest.approx(0.25) for v in rec["cell_weight"].values())
    assert rec["train_rows"] == tr.sum()
    rec = {}
    fit_probe_variant(
        {"type": "resample", "seed": 1}, X[tr], y[tr], g[tr], X[va], y[va], X[te], CFG, record=rec
    )
    assert rec["cell_weight"] == {"common": 0.5, "rare": 0.5}
    assert 0 < rec["distinct_rows"] < tr.sum()
    rec = {}
    res = fit_probe_variant(
        {"type": "group_dro"}, X[tr], y[tr], g[tr], X[va], y[va], X[te], CFG, record=rec
    )
    assert sum(rec["q"].values()) == pytest.approx(1.0)
    assert rec["q"]["rare"] > (g[tr] == "rare").mean()  # the rare group gains weight
    mu, sd = X[tr].mean(0), X[tr].std(0)
    direct = group_dro((X[tr] - mu) / sd, y[tr], g[tr], res.C, max_iter=CFG.max_iter)
    assert rec["q"] == direct.q and rec["temperature"] == 10.0
