"""Turn metric arrays (point + bootstrap) into result objects with reasons.

Conventions: a value is None exactly when undefined, and then its ``reasons`` say why
(``fairgov.reasons.Reason``: codes and parameters, never sentences). A defined value may
still carry reasons: an interval that could not be formed, or an aggregate that left out
groups whose value is undefined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairgov.reasons import Reason, is_undefined, undefined

from .config import BootstrapConfig
from .intervals import compute, fallback
from .result import AggregateValue, MetricValue

_NEEDS_POS = {"auroc", "average_precision", "tpr", "fnr", "balanced_accuracy"}
_NEEDS_NEG = {"auroc", "tnr", "fpr", "balanced_accuracy"}


Why = tuple[Reason, ...]


def undefined_reason(
    metric: str, n: float, pos: float, neg: float, pred_pos: float, t: float
) -> Reason:
    """Why a metric is mathematically undefined for a cell with these counts."""
    if n == 0:
        return undefined(Reason("empty-group"))
    if metric in _NEEDS_POS and pos == 0:
        return undefined(Reason("no-positives"))
    if metric in _NEEDS_NEG and neg == 0:
        return undefined(Reason("no-negatives"))
    if metric == "ppv" and pred_pos == 0:
        return undefined(Reason("no-predicted-positives", {"threshold": float(t)}))
    if metric == "npv" and pred_pos == n:
        return undefined(Reason("no-predicted-negatives", {"threshold": float(t)}))
    return undefined()


@dataclass(frozen=True)
class Draws:
    """A statistic's point value (1, K), bootstrap (B, K) and jackknife (J, K) values, or,
    straight from the kernels, a {metric: array} dict in each place (see ``get``).
    ``se`` (1, K) and ``se_boot`` (B, K): standard errors of the point and of each resample
    (``stderr``; only with ``interval: studentized`` and for metrics that have them)."""

    point: Any
    boot: Any = None
    jack: Any = None
    se: Any = None
    se_boot: Any = None

    def map(self, f: Callable[[np.ndarray], np.ndarray]) -> Draws:
        """``f`` applied to the values; standard errors do not map through ``f`` (dropped)."""
        return Draws(
            f(self.point),
            None if self.boot is None else f(self.boot),
            None if self.jack is None else f(self.jack),
        )

    def get(self, m: str, idx: list[int] | None = None) -> Draws:
        """Metric ``m`` (and columns ``idx``) of draws holding metric dicts."""
        cols = slice(None) if idx is None else idx

        def pick(x):
            return None if x is None or m not in x else x[m][:, cols]

        return Draws(pick(self.point), pick(self.boot), pick(self.jack), pick(self.se),
                     pick(self.se_boot))


class Intervals:
    """Intervals (method of ``cfg.interval``) of bootstrap samples (B, ...), with reasons
    when not formed and when the estimate lies outside its interval."""

    def __init__(self, draws: Draws, cfg: BootstrapConfig):
        self.samples = draws.boot
        self.cfg = cfg
        self.point = draws.point
        self._bca = fallback(cfg.interval, draws.se, draws.se_boot)
        if self.samples is not None:
            shape = self.samples.shape[1:]
            point = None if draws.point is None else draws.point.reshape(shape)
            se = None if draws.se is None else draws.se.reshape(shape)
            self.low, self.high, self.frac = compute(
                cfg.interval, self.samples, point, draws.jack, cfg.level, cfg.min_defined_fraction,
                se, draws.se_boot,
            )

    def method(self, idx=0) -> str:
        """The method actually used at ``idx``: "bca" where studentized had no standard error."""
        fb = self._bca if isinstance(self._bca, bool) else bool(np.asarray(self._bca).flat[idx])
        return "bca" if fb else self.cfg.interval

    def at(self, idx) -> tuple[float | None, float | None, Reason | None]:
        if self.samples is None:
            return None, None, None
        low, high = float(self.low[idx]), float(self.high[idx])
        if np.isnan(low) or np.isnan(high):
            frac = float(self.frac[idx])
            share = {"share": frac, "minimum": float(self.cfg.min_defined_fraction)}
            return None, None, Reason("interval-undefined", share)
        return low, high, None

    def bias(self, idx) -> float:
        """Bootstrap bias at ``idx``: mean of the defined resamples minus the estimate."""
        if self.samples is None:
            return 0.0
        col = (
            self.samples[(slice(None), *np.atleast_1d(idx))]
            if self.samples.ndim > 1
            else self.samples
        )
        col = col[~np.isnan(col)]
        point = np.asarray(self.point).reshape(self.samples.shape[1:])[idx]
        return float(col.mean() - point) if col.size else 0.0


def outside_reason(
    value: float, low: float | None, high: float | None, how: str, bias: float
) -> Reason | None:
    """Say why an estimate lies outside its own interval (None when it does not)."""
    if low is None or high is None:
        return None
    tol = 1e-9 * max(1.0, abs(value))
    if low - tol <= value <= high + tol:
        return None
    return Reason("estimate-outside", {"interval": how, "bias": float(bias)})


def _join(*reasons: Reason | Why | None) -> Why:
    out: list[Reason] = []
    for r in reasons:
        if isinstance(r, Reason):
            out.append(r)
        elif r:
            out.extend(r)
    return tuple(out)


def metric_value(
    point: float, reason: Reason | None, ci: Intervals, idx, bounded: bool = True
) -> MetricValue:
    """A cell's value; ``bounded``: the metric lives in [0, 1], so is its (normal) interval."""
    if reason is not None or np.isnan(point):
        return MetricValue(None, reasons=(reason or undefined(),))
    low, high, why = ci.at(idx)
    if bounded and low is not None and high is not None:
        low, high = max(low, 0.0), min(high, 1.0)
    out = outside_reason(point, low, high, ci.method(idx), ci.bias(idx) if why is None else 0.0)
    return MetricValue(float(point), low, high, _join(why, out))


def agg_value(d: Draws, cfg, reason: Reason | None, p_value=None, group=None, included=(),
              **extra):
    """An aggregate from its draws (1,), (B,), (J,) by the configured interval method."""
    value = float(d.point[0])
    if (reason is not None and is_undefined((reason,))) or np.isnan(value):
        return AggregateValue(None, reasons=(reason or undefined(),), included=included)
    low, high, why, out, how = None, None, None, None, None
    if d.boot is not None:
        ci = Intervals(Draws(d.point, d.boot[:, None], None if d.jack is None else d.jack[:, None]),
                       cfg)
        low, high, why = ci.at(0)
        how = ci.method(0)
        if why is None:
            out = outside_reason(value, low, high, how, ci.bias(0))
    return AggregateValue(
        value, low, high, _join(reason, why, out), p_value, group, included,
        interval=how, **extra,
    )
