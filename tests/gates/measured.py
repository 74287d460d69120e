"""Real measurements for gate tests: fairgov.metrics.measure on small synthetic data with the
fixture project's groups (sex, age_band, site), as the typed results section the gates read."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fairgov import metrics as fm
from fairgov.metrics.result import MeasureResult
from fairgov.results import Measure

METRICS = ["auroc", "tpr", "fpr", "ece"]


@lru_cache(maxsize=8)
def measure_result(
    river_shift: float = 0.0, thin_80: bool = False, n: int = 600, seed: int = 7
) -> MeasureResult:
    """A measurement of n patients (one image each) whose river site's scores are pushed
    `river_shift` towards chance; `thin_80`: the 80+ band has 4 positives (< minimum 10)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n)
    age = rng.choice(["18-39", "40-59", "60-79", "80+"], n)
    site = rng.choice(["north", "central", "river"], n)
    labels = rng.binomial(1, 0.4, n)
    if thin_80:
        positives_80 = np.flatnonzero((age == "80+") & (labels == 1))
        labels[positives_80[4:]] = 0
    signal = np.where(site == "river", 1.6 - river_shift, 1.6)
    scores = 1 / (1 + np.exp(-(signal * (2 * labels - 1) + rng.normal(0, 1, n))))
    groups = {"sex": sex, "age_band": age, "site": site}
    return fm.measure(
        labels,
        scores,
        np.array([f"p{i}" for i in range(n)]),
        groups,
        threshold=0.5,
        metrics=METRICS,
        bootstrap=fm.BootstrapConfig(resamples=200, level=0.95, seed=3),
        min_evidence=fm.MinEvidence(n=0, positives=10, negatives=10),
        permutations=0,
        versus_rest=["site"],
    )


def typed(result: MeasureResult) -> Measure:
    return result.typed()
