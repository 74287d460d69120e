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
* ``studentized`` (bootstrap-t): t*_b = (e*_b - e) / se*_b with se*_b the resample's own
  standard error (``stderr``: cluster DeLong for AUROC, cluster sandwich for rates);
  [e - t*_(1-a/2) se, e - t*_(a/2) se]. Columns without standard errors (other metrics),
  or whose standard error is 0, get BCa instead (``fallback`` says which).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import ndtr, ndtri

# ndtri / ndtr are what scipy.stats.norm.ppf / .cdf compute (same values, tested), without
# the distribution machinery's argument checks (most of the cost of a BCa interval)

METHODS = ("percentile", "bca", "normal", "studentized")
Method = Literal["percentile", "bca", "normal", "studentized"]
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
    se: np.ndarray | None = None,
    se_boot: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval of ``samples`` (B, ...) by ``method``; ``point`` (...) and ``jack`` (J, ...)
    are needed by bca and normal (bca without jackknife values uses a = 0); ``se`` (...) and
    ``se_boot`` (B, ...) by studentized (without them: BCa, see ``fallback``)."""
    shape = samples.shape[1:]
    flat, ok, frac, usable = _columns(samples, min_defined)
    low = np.full(flat.shape[1], np.nan)
    high = np.full(flat.shape[1], np.nan)
    alpha = (1 - level) / 2
    pt = None if point is None else np.asarray(point, dtype=float).reshape(-1)
    jk = None if jack is None else jack.reshape(jack.shape[0], -1)
    sd = _studentizable(method, se, se_boot, flat.shape)
    for k in usable:
        col = flat[ok[:, k], k]
        p = None if pt is None else pt[k]
        if sd is not None and sd[2][k] and p is not None and not np.isnan(p):
            low[k], high[k] = _bootstrap_t(flat[:, k], p, sd[0][k], sd[1][:, k], alpha)
        elif method == "percentile" or p is None or np.isnan(p):
            low[k], high[k] = np.quantile(col, [alpha, 1 - alpha])
        elif method == "normal":
            half = float(ndtri(1 - alpha)) * (col.std(ddof=1) if col.size > 1 else 0.0)
            low[k], high[k] = p - half, p + half
        else:
            low[k], high[k] = _bca(col, p, None if jk is None else jk[:, k], alpha)
    return low.reshape(shape), high.reshape(shape), frac.reshape(shape)


def _studentizable(method, se, se_boot, shape):
    """(se (K,), se_boot (B, K), usable (K,)) when studentizing, else None."""
    if method != "studentized" or se is None or se_boot is None:
        return None
    s0 = np.asarray(se, dtype=float).reshape(-1)
    sb = np.asarray(se_boot, dtype=float).reshape(shape[0], -1)
    return s0, sb, np.isfinite(s0) & (s0 > 0)


def fallback(method: str, se: np.ndarray | None, se_boot: np.ndarray | None) -> np.ndarray | bool:
    """Where ``compute`` with ``method`` uses BCa instead of the studentized interval: True
    for all columns (no standard errors), or a boolean array of the columns."""
    if method != "studentized":
        return False
    if se is None or se_boot is None:
        return True
    s0 = np.asarray(se, dtype=float)
    return ~(np.isfinite(s0) & (s0 > 0))


def _bootstrap_t(col, p, se, se_col, alpha) -> tuple[float, float]:
    """Bootstrap-t interval from the resamples whose statistic and standard error exist."""
    good = np.isfinite(col) & np.isfinite(se_col) & (se_col > 0)
    if not good.any():
        return p - 0.0, p + 0.0
    t = (col[good] - p) / se_col[good]
    q_lo, q_hi = np.quantile(t, [alpha, 1 - alpha])
    return float(p - q_hi * se), float(p - q_lo * se)


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
