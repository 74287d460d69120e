"""Coverage of the stratified cluster-bootstrap interval for a known AUROC gap.

Patients (2 images each, label per patient, shared random effect u ~ N(0, 0.5^2)).
Latent score x = mu_g * y + u + e, e ~ N(0, 1), score = logistic(x). Positive and
negative images always come from different patients, so the true AUROC of group g
is Phi(mu_g / sqrt(2 (1 + 0.25))), and the estimator is unbiased.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairgov.metrics import BootstrapConfig, MinEvidence, measure

MU = {"a": 2.2, "b": 1.1}
SIGMA_U = 0.5
REPS, RESAMPLES, PATIENTS_PER_GROUP = 200, 300, 200


def true_auc(mu: float) -> float:
    return 0.5 * (1 + math.erf(mu / math.sqrt(2 * (1 + SIGMA_U**2)) / math.sqrt(2)))


def population(rng):
    patients = 2 * PATIENTS_PER_GROUP
    grp = np.repeat(np.array(["a", "b"]), PATIENTS_PER_GROUP)
    y = (rng.random(patients) < 0.3).astype(int)
    mu = np.where(grp == "a", MU["a"], MU["b"])
    u = rng.normal(0, SIGMA_U, patients)
    p = np.repeat(np.arange(patients), 2)
    x = (mu * y + u)[p] + rng.normal(0, 1, p.size)
    return y[p], 1 / (1 + np.exp(-x)), p, grp[p]


@pytest.mark.slow
def test_gap_interval_covers_true_gap():
    truth = true_auc(MU["a"]) - true_auc(MU["b"])
    rng = np.random.default_rng(2024)
    covered = 0
    for rep in range(REPS):
        y, s, p, g = population(rng)
        res = measure(
            y,
            s,
            p,
            {"g": g},
            0.5,
            metrics=["auroc"],
            permutations=0,
            bootstrap=BootstrapConfig(resamples=RESAMPLES, seed=rep),
            min_evidence=MinEvidence(0, 10, 10),
        )
        gap = res.attributes["g"].aggregates["auroc"]["gap"]
        covered += gap.ci_low <= truth <= gap.ci_high
    assert 0.88 <= covered / REPS <= 0.99, covered / REPS
    print(f"coverage {covered / REPS:.3f}")
