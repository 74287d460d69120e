"""Simultaneous (max-t) intervals over groups and group pairs, and what follows from them.

For K quantities (the G per-group values, or the G(G-1)/2 signed pairwise differences) with
estimates e_k and resamples e*_k, the bootstrap standard errors se_k give
t* = max_k |e*_k - e_k| / se_k; with c its ``level`` quantile, the intervals e_k +/- c se_k
hold *together* with probability ``level``. From them:

* max-min gap = max |d_ij|:  [max_ij dist(0, CI_ij), max_ij (|d_ij| + c se_ij)];
* worst group (min):         [min_g low_g, min_g high_g] (max / max |.| likewise).

Both contain their estimate and cover the true value whenever all intervals do, so a gate
that fails only when such an interval lies beyond its limit fails a truly fair model with
probability at most 1 - level, whatever the number of groups. A quantity whose resamples
never vary (se 0) keeps a degenerate interval at its estimate.

``fair_upper`` gives the operating characteristic of a gap gate: the upper bound the same
rule would report if the true gap were 0 at this sample size (centred resamples plus the
same c se_k half-widths), as quantiles over resamples.

Studentized (``interval: studentized``, with standard errors of the point and of every
resample from ``stderr``): t* = max_k |e*_k - e_k| / se*_k, the resample's own standard
errors, and the intervals e_k +/- c se_k with se_k the point's. A difference's standard error
is sqrt(se_i^2 + se_j^2) (``difference_se``): groups hold disjoint patients, so their
estimates are independent (a patient in two groups makes this an approximation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OC_QUANTILES = tuple(round(0.05 * i, 2) for i in range(1, 20))


@dataclass(frozen=True)
class MaxT:
    est: np.ndarray  # (K,)
    se: np.ndarray  # (K,)
    crit: float
    centred: np.ndarray  # (B', K) e* - e over resamples where every quantity is defined
    se_boot: np.ndarray | None = None  # (B', K) the resamples' own standard errors (studentized)

    @property
    def low(self) -> np.ndarray:
        return self.est - self.crit * self.se

    @property
    def high(self) -> np.ndarray:
        return self.est + self.crit * self.se


def maxt(point: np.ndarray, boot: np.ndarray, level: float, min_defined: float,
         se: np.ndarray | None = None, se_boot: np.ndarray | None = None) -> MaxT | None:
    """Max-t intervals for point (K,) and boot (B, K); None if too few resamples define all.
    With ``se`` (K,) and ``se_boot`` (B, K), all finite and positive, the studentized max-t."""
    ok = ~np.isnan(boot).any(axis=1)
    if boot.shape[0] == 0 or ok.mean() < min_defined or ok.sum() < 2 or np.isnan(point).any():
        return None
    centred = boot[ok] - point[None, :]
    if se is not None and se_boot is not None and np.all(np.isfinite(se) & (se > 0)):
        sb = se_boot[ok]
        good = np.all(np.isfinite(sb) & (sb > 0), axis=1)
        if good.mean() >= min_defined and good.sum() >= 2:
            t = (np.abs(centred[good]) / sb[good]).max(axis=1)
            return MaxT(point.astype(float), np.asarray(se, dtype=float),
                        float(np.quantile(t, level)), centred[good], sb[good])
    sd = boot[ok].std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(sd > 0, np.abs(centred) / np.where(sd > 0, sd, 1.0), 0.0).max(axis=1)
    return MaxT(point.astype(float), sd, float(np.quantile(t, level)), centred)


def difference_se(se: np.ndarray) -> np.ndarray:
    """(B, G) standard errors -> (B, G(G-1)/2) of the differences v_i - v_j, i < j."""
    i, j = pairs(se.shape[1])
    return np.sqrt(se[:, i] ** 2 + se[:, j] ** 2)


def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n, k=1)
    return i, j


def differences(values: np.ndarray) -> np.ndarray:
    """(B, G) -> (B, G(G-1)/2) signed differences v_i - v_j for i < j."""
    i, j = pairs(values.shape[1])
    return values[:, i] - values[:, j]


def abs_max_interval(m: MaxT) -> tuple[float, float]:
    """Interval of max_k |q_k| from simultaneous intervals of the q_k."""
    dist = np.maximum(0.0, np.maximum(m.low, -m.high))
    reach = np.maximum(np.abs(m.low), np.abs(m.high))
    return float(dist.max()), float(reach.max())


def worst_interval(m: MaxT, how: str) -> tuple[float, float]:
    if how == "min":
        return float(m.low.min()), float(m.high.min())
    if how == "max":
        return float(m.low.max()), float(m.high.max())
    return abs_max_interval(m)


def fair_upper(m: MaxT) -> list[float]:
    """Quantiles (OC_QUANTILES) of the upper gap bound under a true gap of 0."""
    se = m.se[None, :] if m.se_boot is None else m.se_boot
    upper = (np.abs(m.centred) + m.crit * se).max(axis=1)
    return [float(x) for x in np.quantile(upper, OC_QUANTILES)]


def p_pass(quantiles: list[float], limit: float) -> float:
    """P(upper bound <= limit) from the stored quantiles (step 0.05; 0 or 1 at the ends)."""
    q = np.asarray(quantiles)
    if limit < q[0]:
        return 0.0
    if limit >= q[-1]:
        return 1.0
    return float(np.interp(limit, q, OC_QUANTILES))
