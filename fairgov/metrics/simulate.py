"""Planted binormal data with patient clusters: the ground truth for validation and planning.

Each patient has one label (prevalence ``prevalence``) and ``images`` images. An image's
latent score is ``x = mu_g * y + u_patient + e`` with ``var(u) = rho``, ``var(e) = 1 - rho``,
so x | y is N(mu_g * y, 1) for every image (images of a patient correlate by ``rho``) and a
group's true AUROC is Phi(mu_g / sqrt 2). The reported score is
``sigmoid(slope * log-odds(x))``: slope 1 is perfectly calibrated, other slopes plant a
known calibration error. True thresholded rates are closed-form; the true ECE (equal-width
bins on [0, 1], the estimator's target) comes from one large sample of the posterior.

Used by the test suite's validation study, ``benchmarks/statistics.py`` and ``fairgov plan``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm

from .layout import bin_index


@dataclass(frozen=True)
class Scenario:
    """Per-group patients and true AUROCs; everything else is shared by the groups."""

    patients: tuple[int, ...]
    auroc: tuple[float, ...]
    prevalence: float = 0.3
    images: int = 2
    rho: float = 0.5
    slope: float = 0.8
    names: tuple[str, ...] = ()
    offset: tuple[float, ...] = ()  # per-group log-odds shift of the score (miscalibration)

    def __post_init__(self) -> None:
        if len(self.patients) != len(self.auroc) or len(self.offset) not in (0, len(self.auroc)):
            raise ValueError("one AUROC (and offset, if any) per group")
        if not 0 < self.prevalence < 1 or not all(0.5 <= a < 1 for a in self.auroc):
            raise ValueError("prevalence in (0, 1), AUROCs in [0.5, 1)")

    @property
    def labels(self) -> tuple[str, ...]:
        return self.names or tuple(f"g{i}" for i in range(len(self.patients)))

    def mu(self, g: int) -> float:
        return float(np.sqrt(2) * norm.ppf(self.auroc[g]))

    def log_odds(self, x: np.ndarray, g: int) -> np.ndarray:
        m = self.mu(g)
        return m * x - m * m / 2 + float(logit(self.prevalence))

    def shift(self, g: int) -> float:
        return self.offset[g] if self.offset else 0.0

    def score(self, x: np.ndarray, g: int) -> np.ndarray:
        return expit(self.slope * self.log_odds(x, g) + self.shift(g))


def simulate(sc: Scenario, seed: int) -> dict[str, np.ndarray]:
    """One data set: labels, scores, clusters (patient ids) and group labels per image."""
    rng = np.random.default_rng(seed)
    ys, ss, cs, gs = [], [], [], []
    first = 0
    for g, n in enumerate(sc.patients):
        y = (rng.random(n) < sc.prevalence).astype(np.int8)
        u = rng.normal(0.0, np.sqrt(sc.rho), n)
        x = sc.mu(g) * y[:, None] + u[:, None] + rng.normal(0, np.sqrt(1 - sc.rho), (n, sc.images))
        ys.append(np.repeat(y, sc.images))
        ss.append(sc.score(x.ravel(), g))
        cs.append(np.repeat(np.arange(first, first + n), sc.images))
        gs.append(np.full(n * sc.images, sc.labels[g]))
        first += n
    return {
        "labels": np.concatenate(ys),
        "scores": np.concatenate(ss),
        "clusters": np.concatenate(cs),
        "group": np.concatenate(gs),
    }


def true_rate(sc: Scenario, g: int, metric: str, threshold: float) -> float:
    """True TPR or FPR of group g at ``score >= threshold`` (closed form)."""
    t = (float(logit(threshold)) - sc.shift(g)) / sc.slope  # log-odds cut
    m = sc.mu(g)
    x_cut = (t - float(logit(sc.prevalence)) + m * m / 2) / m
    if metric == "tpr":
        return float(norm.sf(x_cut - m))
    if metric == "fpr":
        return float(norm.sf(x_cut))
    raise ValueError(metric)


@lru_cache(maxsize=64)
def true_ece(sc: Scenario, g: int, bins: int = 10, n: int = 1_000_000) -> float:
    """True binned ECE of group g: sum over bins of |E[(P(y|x) - s) 1{s in bin}]|."""
    rng = np.random.default_rng(12345)
    y = rng.random(n) < sc.prevalence
    x = sc.mu(g) * y + rng.normal(0, 1, n)
    s = sc.score(x, g)
    resid = expit(sc.log_odds(x, g)) - s
    return float(np.abs(np.bincount(bin_index(s, bins), weights=resid, minlength=bins)).sum() / n)


def with_offset(sc: Scenario, g: int, offset: float) -> Scenario:
    """``sc`` with group g's score log-odds shifted by ``offset`` (the others unshifted)."""
    offs = list(sc.offset or (0.0,) * len(sc.auroc))
    offs[g] = offset
    return replace(sc, offset=tuple(offs))


def offset_for_rate(sc: Scenario, g: int, metric: str, threshold: float, target: float) -> float:
    """The log-odds offset of group g at which its true TPR or FPR at ``threshold`` is ``target``
    (closed form: the cut on x that gives the rate, mapped back through the score)."""
    target = min(max(target, 0.005), 0.995)
    m = sc.mu(g)
    x_cut = m - float(norm.ppf(target)) if metric == "tpr" else -float(norm.ppf(target))
    if metric not in ("tpr", "fpr"):
        raise ValueError(metric)
    log_odds = m * x_cut - m * m / 2 + float(logit(sc.prevalence))
    return float(logit(threshold)) - sc.slope * log_odds


def offset_for_ece(sc: Scenario, g: int, target: float, n: int = 200_000) -> float:
    """The (positive) log-odds offset of group g at which its true ECE is ``target`` (bisection;
    the ECE grows with the offset's size for a calibrated model)."""
    lo, hi = 0.0, 4.0
    for _ in range(16):
        mid = (lo + hi) / 2
        if true_ece(with_offset(sc, g, mid), g, n=n) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _p_above(sc: Scenario, g: int, h: int) -> float:
    """P(score of a positive image of g > score of a negative image of h): both scores are
    monotone in a linear function of independent normals, so the probability is closed form."""
    mg, mh = sc.mu(g), sc.mu(h)
    mean = sc.slope * (mg * mg + mh * mh) / 2 + sc.shift(g) - sc.shift(h)
    sd = abs(sc.slope) * float(np.hypot(mg, mh))
    return float(norm.cdf(mean / sd)) if sd > 0 else float(mean > 0) + 0.5 * float(mean == 0)


def true_pooled(
    sc: Scenario, groups: tuple[int, ...], metric: str, threshold: float = 0.5
) -> float:
    """True AUROC, TPR or FPR of the rows of ``groups`` pooled (groups weighted by patients;
    every group shares prevalence and images per patient)."""
    w = np.array([sc.patients[g] for g in groups], dtype=float)
    w /= w.sum()
    if metric == "auroc":
        return float(sum(w[a] * w[b] * _p_above(sc, g, h) for a, g in enumerate(groups)
                         for b, h in enumerate(groups)))
    return float(sum(w[a] * true_rate(sc, g, metric, threshold) for a, g in enumerate(groups)))


def true_versus_rest(sc: Scenario, g: int, metric: str = "auroc", threshold: float = 0.5) -> float:
    """True value of group g minus every other group pooled (``versus_rest`` of a gap)."""
    rest = tuple(h for h in range(len(sc.patients)) if h != g)
    return true_pooled(sc, (g,), metric, threshold) - true_pooled(sc, rest, metric, threshold)
