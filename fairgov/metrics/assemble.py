"""Turn metric arrays (point + bootstrap) into result objects with reasons.

Conventions: a value is None exactly when undefined, and then ``reason`` says why.
A defined value may still carry a reason: an interval that could not be formed, or
an aggregate that left out groups whose value is undefined.
"""

from __future__ import annotations

import numpy as np

from . import aggregates as agg
from .bootstrap import percentile_interval
from .config import BootstrapConfig
from .registry import AGGREGATES, METRICS
from .result import AggregateValue, MetricValue

_NEEDS_POS = {"auroc", "average_precision", "tpr", "fnr", "balanced_accuracy"}
_NEEDS_NEG = {"auroc", "tnr", "fpr", "balanced_accuracy"}


def undefined_reason(metric: str, n: float, pos: float, neg: float, pred_pos: float, t: float):
    """Why a metric is mathematically undefined for a cell with these counts."""
    if n == 0:
        return "undefined: empty group"
    if metric in _NEEDS_POS and pos == 0:
        return "undefined: no positives"
    if metric in _NEEDS_NEG and neg == 0:
        return "undefined: no negatives"
    if metric == "ppv" and pred_pos == 0:
        return f"undefined: no predicted positives at threshold {t!r}"
    if metric == "npv" and pred_pos == n:
        return f"undefined: no predicted negatives at threshold {t!r}"
    return "undefined"


class Intervals:
    """Percentile intervals of bootstrap samples (B, ...) with reasons when not formed."""

    def __init__(self, samples: np.ndarray | None, cfg: BootstrapConfig):
        self.samples = samples
        self.cfg = cfg
        if samples is not None:
            self.low, self.high, self.frac = percentile_interval(
                samples, cfg.level, cfg.min_defined_fraction
            )

    def at(self, idx) -> tuple[float | None, float | None, str | None]:
        if self.samples is None:
            return None, None, None
        low, high = float(self.low[idx]), float(self.high[idx])
        if np.isnan(low) or np.isnan(high):
            frac = float(self.frac[idx])
            return (
                None,
                None,
                (
                    f"interval undefined: value defined in {frac:.1%} of resamples "
                    f"(< {self.cfg.min_defined_fraction:.0%})"
                ),
            )
        return low, high, None


def _join(*reasons: str | None) -> str | None:
    parts = [r for r in reasons if r]
    return "; ".join(parts) if parts else None


def metric_value(point: float, reason: str | None, ci: Intervals, idx) -> MetricValue:
    if reason is not None or np.isnan(point):
        return MetricValue(None, reason=reason or "undefined")
    low, high, why = ci.at(idx)
    return MetricValue(float(point), low, high, why)


def _agg_value(point, samples, cfg, reason, p_value=None, group=None, included=()):
    value = float(point[0])
    if (reason is not None and reason.startswith("undefined")) or np.isnan(value):
        return AggregateValue(None, reason=reason or "undefined", included=included)
    low, high, why = Intervals(samples, cfg).at(()) if samples is not None else (None, None, None)
    return AggregateValue(value, low, high, _join(reason, why), p_value, group, included)


def metric_aggregates(
    metric: str,
    labels: list[str],
    excluded: list[str],
    point: np.ndarray,
    boot: np.ndarray | None,
    overall_point: np.ndarray,
    overall_boot: np.ndarray | None,
    cfg: BootstrapConfig,
    p_gap: float | None,
) -> dict[str, AggregateValue]:
    """gap / worst / ratio / to_overall of one metric over included groups ``labels``.

    ``point`` is (1, G) and ``boot`` (B, G) for the included groups only.
    """
    info = METRICS[metric]
    base = agg.exclusion_reason(excluded, len(labels))
    inc = tuple(labels)
    if len(labels) < 2:
        return {k: AggregateValue(None, reason=base, included=inc) for k in AGGREGATES}
    w_p, w_i = agg.worst(point, info)
    o_p, o_i = agg.to_overall(point, overall_point)
    ratio_p = agg.ratio(point, info)
    ratio_reason = base
    if info.signed:
        ratio_reason = "undefined: ratio is not meaningful for a signed metric"
    elif np.isnan(ratio_p[0]):
        ratio_reason = "undefined: largest group value is 0"
    worst_reason = base if info.worst else f"undefined: {metric} has no preferred direction"
    over_reason = base if not np.isnan(overall_point[0]) else "undefined: overall value undefined"
    return {
        "gap": _agg_value(
            agg.gap(point), None if boot is None else agg.gap(boot), cfg, base, p_gap, included=inc
        ),
        "worst": _agg_value(
            w_p,
            None if boot is None else agg.worst(boot, info)[0],
            cfg,
            worst_reason,
            group=labels[int(w_i[0])],
            included=inc,
        ),
        "ratio": _agg_value(
            ratio_p,
            None if boot is None else agg.ratio(boot, info),
            cfg,
            ratio_reason,
            included=inc,
        ),
        "to_overall": _agg_value(
            o_p,
            None if boot is None or overall_boot is None else agg.to_overall(boot, overall_boot)[0],
            cfg,
            over_reason,
            group=labels[int(o_i[0])],
            included=inc,
        ),
    }


def odds_aggregates(
    tpr_labels: list[str],
    tpr_excluded: list[str],
    tpr: tuple,
    eo_labels: list[str],
    eo_excluded: list[str],
    eo: tuple,
    cfg: BootstrapConfig,
    p_values: dict[str, float | None],
) -> dict[str, AggregateValue]:
    """Equalized odds (both rates defined) and equal opportunity (TPR defined).

    ``tpr`` = (tpr point, tpr boot, fpr point, fpr boot) over the odds groups;
    ``eo`` = (tpr point, tpr boot) over the equal-opportunity groups.
    """
    out: dict[str, AggregateValue] = {}
    base = agg.exclusion_reason(tpr_excluded, len(tpr_labels))
    tp, tb, fp, fb = tpr
    for key in ("equalized_odds", "equalized_odds_mean"):
        if len(tpr_labels) < 2:
            out[key] = AggregateValue(None, reason=base, included=tuple(tpr_labels))
            continue
        point = agg.odds(tp, fp)[key]
        boot = agg.odds(tb, fb)[key] if tb is not None else None
        out[key] = _agg_value(point, boot, cfg, base, p_values.get(key), None, tuple(tpr_labels))
    base = agg.exclusion_reason(eo_excluded, len(eo_labels))
    if len(eo_labels) < 2:
        out["equal_opportunity"] = AggregateValue(None, reason=base, included=tuple(eo_labels))
    else:
        ep, eb = eo
        out["equal_opportunity"] = _agg_value(
            agg.gap(ep),
            agg.gap(eb) if eb is not None else None,
            cfg,
            base,
            p_values.get("equal_opportunity"),
            None,
            tuple(eo_labels),
        )
    return out
