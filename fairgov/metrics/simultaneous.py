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

    @property
    def low(self) -> np.ndarray:
        return self.est - self.crit * self.se

    @property
    def high(self) -> np.ndarray:
        return self.est + self.crit * self.se


def maxt(point: np.ndarray, boot: np.ndarray, level: float, min_defined: float) -> MaxT | None:
    """Max-t intervals for point (K,) and boot (B, K); None if too few resamples define all."""
    ok = ~np.isnan(boot).any(axis=1)
    if boot.shape[0] == 0 or ok.mean() < min_defined or ok.sum() < 2 or np.isnan(point).any():
        return None
    centred = boot[ok] - point[None, :]
    se = boot[ok].std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, np.abs(centred) / np.where(se > 0, se, 1.0), 0.0).max(axis=1)
    return MaxT(point.astype(float), se, float(np.quantile(t, level)), centred)


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
    upper = (np.abs(m.centred) + m.crit * m.se[None, :]).max(axis=1)
    return [float(x) for x in np.quantile(upper, OC_QUANTILES)]


def p_pass(quantiles: list[float], limit: float) -> float:
    """P(upper bound <= limit) from the stored quantiles (step 0.05; 0 or 1 at the ends)."""
    q = np.asarray(quantiles)
    if limit < q[0]:
        return 0.0
    if limit >= q[-1]:
        return 1.0
    return float(np.interp(limit, q, OC_QUANTILES))
