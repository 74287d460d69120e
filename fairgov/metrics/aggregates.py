"""Aggregates of one metric across the groups of an attribute, vectorised over resamples.

All functions take per-group values of shape (B, G) for the *included* groups
(B = 1 for the point estimate, B = resamples for the bootstrap), so gaps and
worst-group values are computed inside each resample rather than from per-group
intervals. A NaN in any included group makes that resample's aggregate NaN.
"""

from __future__ import annotations

import numpy as np

from fairgov.reasons import Reason, undefined

from .registry import MetricInfo


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def gap(values: np.ndarray) -> np.ndarray:
    """max - min across groups."""
    return values.max(axis=1) - values.min(axis=1)


def worst(values: np.ndarray, info: MetricInfo) -> tuple[np.ndarray, np.ndarray]:
    """(worst value, index of the worst group); the worst of a signed calibration
    metric is the largest absolute miscalibration, reported as that absolute value."""
    if info.worst is None:
        nan = np.full(values.shape[0], np.nan)
        return nan, np.zeros(values.shape[0], dtype=np.int64)
    if info.worst == "min":
        idx = values.argmin(axis=1)
    elif info.worst == "max":
        idx = values.argmax(axis=1)
    else:
        idx = np.abs(values).argmax(axis=1)
    picked = np.take_along_axis(values, idx[:, None], axis=1)[:, 0]
    if np.isnan(values).any():
        picked = np.where(np.isnan(values).any(axis=1), np.nan, picked)
    return (np.abs(picked) if info.worst == "max_abs" else picked), idx


def ratio(values: np.ndarray, info: MetricInfo) -> np.ndarray:
    """min / max across groups (fairlearn's between-groups ratio); NaN if max is 0."""
    if info.signed:
        return np.full(values.shape[0], np.nan)
    return _div(values.min(axis=1), values.max(axis=1))


def to_overall(values: np.ndarray, overall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(max |M_g - M_all|, index of that group)."""
    dev = np.abs(values - overall[:, None])
    idx = np.nan_to_num(dev, nan=-1.0).argmax(axis=1)
    out = dev.max(axis=1)
    return out, idx


def odds(tpr: np.ndarray, fpr: np.ndarray) -> dict[str, np.ndarray]:
    """Equalized odds (worst case and mean of the TPR and FPR gaps) from the
    groups where both rates are defined."""
    t, f = gap(tpr), gap(fpr)
    return {
        "equalized_odds": np.maximum(t, f),
        "equalized_odds_mean": (t + f) / 2,
    }


def exclusion_reason(excluded: list[str], n_included: int) -> Reason | None:
    """Reason attached to an aggregate, or None when every group took part."""
    listed = ", ".join(excluded)
    if n_included < 2:
        if excluded:
            return undefined(Reason("too-few-groups-excluded", {"groups": listed}))
        return undefined(Reason("too-few-groups"))
    return Reason("groups-excluded", {"groups": listed}) if excluded else None
