"""Bootstrap interval methods: percentile, BCa (jackknife over patients) and normal.

All functions work column-wise on samples of shape (B, K), ignore resamples where the
statistic is NaN, and return (low, high, defined fraction), low/high NaN where fewer than
``min_defined`` of the resamples define the statistic.

* ``percentile``: quantiles of the resamples. Shifted for statistics that are biased
  under resampling (ECE, max-min gaps, minima), so the estimate can lie outside.
* ``bca``: bias-corrected and accelerated (Efron 1987). The bias correction z0 is the
  normal quantile of the share of resamples below the estimate (ties count one half,
  clamped to [1/2B, 1 - 1/2B]); the acceleration is the skewness of the jackknife
  values, the jackknife deleting one block of patients at a time (``api._jackknife``).
* ``normal``: estimate +/- z * bootstrap standard error; always contains the estimate,
  sound for smooth, near-normal statistics (per-group AUROC, rates, signed differences).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import ndtr, ndtri

# ndtri / ndtr are what scipy.stats.norm.ppf / .cdf compute (same values, tested), without
# the distribution machinery's argument checks (most of the cost of a BCa interval)

METHODS = ("percentile", "bca", "normal")
Method = Literal["percentile", "bca", "normal"]
JACKKNIFE_BLOCKS = 200
"""At most this many jackknife deletions: blocks of patients (every 200th in stratum order)."""


def _columns(samples: np.ndarray, min_defined: float):
    b = samples.shape[0]
    flat = samples.reshape(b, -1)
    ok = ~np.isnan(flat)
    frac = ok.mean(axis=0) if b else np.zeros(flat.shape[1])
    usable = np.flatnonzero((frac >= min_defined) & (frac > 0))
    return flat, ok, frac, usable


def _quantile_at(col: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.quantile(col, np.clip(q, 0.0, 1.0))


def compute(
    method: str,
    samples: np.ndarray,
    point: np.ndarray | None,
    jack: np.ndarray | None,
    level: float,
    min_defined: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval of ``samples`` (B, ...) by ``method``; ``point`` (...) and ``jack`` (J, ...)
    are needed by bca and normal (bca without jackknife values uses a = 0)."""
    shape = samples.shape[1:]
    flat, ok, frac, usable = _columns(samples, min_defined)
    low = np.full(flat.shape[1], np.nan)
    high = np.full(flat.shape[1], np.nan)
    alpha = (1 - level) / 2
    pt = None if point is None else np.asarray(point, dtype=float).reshape(-1)
    jk = None if jack is None else jack.reshape(jack.shape[0], -1)
    for k in usable:
        col = flat[ok[:, k], k]
        p = None if pt is None else pt[k]
        if method == "percentile" or p is None or np.isnan(p):
            low[k], high[k] = np.quantile(col, [alpha, 1 - alpha])
        elif method == "normal":
            half = float(ndtri(1 - alpha)) * (col.std(ddof=1) if col.size > 1 else 0.0)
            low[k], high[k] = p - half, p + half
        else:
            low[k], high[k] = _bca(col, p, None if jk is None else jk[:, k], alpha)
    return low.reshape(shape), high.reshape(shape), frac.reshape(shape)


def acceleration(jack: np.ndarray | None) -> float:
    if jack is None:
        return 0.0
    j = jack[~np.isnan(jack)]
    if j.size < 3:
        return 0.0
    d = j.mean() - j
    den = 6.0 * float((d * d).sum()) ** 1.5
    return float((d**3).sum() / den) if den > 0 else 0.0


def _bca(col: np.ndarray, p: float, jack: np.ndarray | None, alpha: float) -> tuple[float, float]:
    b = col.size
    tol = 1e-12 * max(1.0, abs(p))
    below = float(np.sum(col < p - tol) + 0.5 * np.sum(np.abs(col - p) <= tol))
    prop = min(max(below / b, 0.5 / b), 1 - 0.5 / b)
    z0 = float(ndtri(prop))
    a = acceleration(jack)
    z = ndtri(np.array([alpha, 1 - alpha]))
    den = 1 - a * (z0 + z)
    adj = np.where(den > 0, z0 + (z0 + z) / np.where(den > 0, den, 1.0), np.sign(z) * np.inf)
    lo, hi = _quantile_at(col, ndtr(adj))
    return float(lo), float(hi)
