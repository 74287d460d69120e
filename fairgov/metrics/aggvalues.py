"""Aggregate values of one attribute: gap / worst / ratio / to_overall, odds, signed differences.

With ``interval: percentile`` every aggregate gets the percentile interval of its
resamples (the original behaviour). With any other method, gaps (max - min, equalized
odds, equal opportunity) and worst-group values get simultaneous max-t intervals
(``simultaneous``), which contain their estimate and bound the family-wise error, and
gap aggregates carry ``fair_upper`` (the operating characteristic of a gap gate) and the
signed pairwise differences with marginal and simultaneous intervals.
"""

from __future__ import annotations

import numpy as np

from fairgov.reasons import Reason, undefined

from . import aggregates as agg
from . import simultaneous as sim
from .assemble import Draws, Intervals, agg_value
from .config import BootstrapConfig
from .registry import AGGREGATES, METRICS
from .result import AggregateValue, Difference

MAXT = "max-t simultaneous"
MAX_DIFFERENCE_GROUPS = 12
"""Signed pairwise differences are reported for attributes with at most this many groups."""


def _why(reason: Reason | None) -> tuple[Reason, ...]:
    """An undefined aggregate's reasons (a bare `undefined` when none is known)."""
    return (reason or undefined(),)


def _maxt(d: Draws, cfg: BootstrapConfig) -> sim.MaxT | None:
    if d.boot is None:
        return None
    studentized = cfg.interval == "studentized" and d.se is not None
    return sim.maxt(d.point[0], d.boot, cfg.level, cfg.min_defined_fraction,
                    d.se[0] if studentized else None, d.se_boot if studentized else None)


def _label(m: sim.MaxT) -> str:
    return MAXT if m.se_boot is None else MAXT + " (studentized)"


def diff_draws(d: Draws) -> Draws:
    """Signed pairwise differences of ``d``'s columns, with their standard errors."""
    out = d.map(sim.differences)
    if d.se is None or d.se_boot is None:
        return out
    return Draws(out.point, out.boot, out.jack, sim.difference_se(d.se),
                 sim.difference_se(d.se_boot))


def _simultaneous(value: AggregateValue, low: float, high: float, top: float | None = 1.0,
                  label: str = MAXT, **extra) -> AggregateValue:
    """``value`` with a simultaneous interval, clipped to [0, top] (top None: unbounded)."""
    # a simultaneous interval contains its estimate: the reason it lay outside the other goes
    reasons = tuple(r for r in value.reasons if r.code != "estimate-outside")
    return AggregateValue(
        value.value, max(low, 0.0), high if top is None else min(high, top), reasons,
        value.p_value, value.group, value.included, interval=label, **extra,
    )


def differences(labels: list[str], d: Draws, cfg: BootstrapConfig) -> tuple[Difference, ...]:
    """Signed differences label_i - label_j (i < j) with marginal and simultaneous intervals."""
    if len(labels) > MAX_DIFFERENCE_GROUPS or len(labels) < 2:
        return ()
    i, j = sim.pairs(len(labels))
    names = [(labels[a], labels[b]) for a, b in zip(i, j, strict=True)]
    return _signed(names, diff_draws(d), cfg)


def _signed(
    names: list[tuple[str, str]], dd: Draws, cfg: BootstrapConfig
) -> tuple[Difference, ...]:
    """Differences (columns of ``dd``) with marginal intervals, simultaneous max-t intervals
    over the family and bootstrap standard errors."""
    ci = Intervals(dd, cfg)
    m = _maxt(dd, cfg)
    out = []
    for k, (a, b) in enumerate(names):
        low, high, _ = ci.at(k) if dd.boot is not None else (None, None, None)
        out.append(Difference(
            a, b, float(dd.point[0, k]), low, high,
            None if m is None else float(m.low[k]), None if m is None else float(m.high[k]),
            None if m is None else float(m.se[k]),
        ))
    return tuple(out)


REST = "rest"


def versus_rest(
    labels: list[str], d: Draws, rest: Draws, cfg: BootstrapConfig
) -> tuple[Difference, ...]:
    """Each group minus the rest of the rows (``rest``: the same columns of the rest layout),
    simultaneous over the groups whose rest value is defined."""
    keep = [k for k in range(len(labels)) if not np.isnan(rest.point[0, k])]
    if not keep or len(labels) > MAX_DIFFERENCE_GROUPS:
        return ()

    def sub(x, y):
        return None if x is None or y is None else x[:, keep] - y[:, keep]

    def both(x, y):
        return None if x is None or y is None else np.sqrt(x[:, keep] ** 2 + y[:, keep] ** 2)

    dd = Draws(sub(d.point, rest.point), sub(d.boot, rest.boot), sub(d.jack, rest.jack),
               both(d.se, rest.se), both(d.se_boot, rest.se_boot))
    return _signed([(labels[k], REST) for k in keep], dd, cfg)


def hstack(a: Draws, b: Draws) -> Draws:
    """Columns of ``a`` then ``b`` (resamples present only if present in both)."""

    def cat(x, y):
        return None if x is None or y is None else np.hstack([x, y])

    return Draws(np.hstack([a.point, b.point]), cat(a.boot, b.boot), cat(a.jack, b.jack),
                 cat(a.se, b.se), cat(a.se_boot, b.se_boot))


def gap_value(labels, d: Draws, cfg, base, p_gap, fpr: Draws | None = None,
              top: float | None = 1.0) -> AggregateValue:
    """Max-min gap of ``d``; with ``fpr``, equalized odds = max(TPR gap, FPR gap)."""
    if fpr is None:
        value = agg_value(d.map(agg.gap), cfg, base, p_gap, included=tuple(labels))
        diff = diff_draws(d)
    else:
        k = d.point.shape[1]
        value = agg_value(
            hstack(d, fpr).map(lambda v: np.maximum(agg.gap(v[:, :k]), agg.gap(v[:, k:]))),
            cfg, base, p_gap, included=tuple(labels),
        )
        diff = hstack(diff_draws(d), diff_draws(fpr))
    if cfg.interval == "percentile" or value.value is None or d.boot is None:
        return value
    m = _maxt(diff, cfg)
    if m is None:
        return value
    low, high = sim.abs_max_interval(m)
    diffs = differences(labels, d, cfg) if fpr is None else ()
    return _simultaneous(
        value, low, high, top, _label(m), fair_upper=tuple(sim.fair_upper(m)), differences=diffs
    )


def metric_aggregates(metric, labels, excluded, d: Draws, overall: Draws, cfg, p_gap):
    """gap / worst / ratio / to_overall of one metric over included groups ``labels``.

    ``d`` holds (1, G), (B, G), (J, G) values of the included groups; ``overall`` (., 1).
    """
    info = METRICS[metric]
    base = agg.exclusion_reason(excluded, len(labels))
    inc = tuple(labels)
    if len(labels) < 2:
        return {k: AggregateValue(None, reasons=_why(base), included=inc) for k in AGGREGATES}
    w_i = agg.worst(d.point, info)[1]
    o_i = agg.to_overall(d.point, overall.point[:, 0])[1]
    ratio_reason = base
    if info.signed:
        ratio_reason = undefined(Reason("ratio-signed"))
    elif np.isnan(agg.ratio(d.point, info)[0]):
        ratio_reason = undefined(Reason("ratio-zero"))
    worst_reason = (
        base if info.worst else undefined(Reason("no-direction", {"metric": metric}))
    )
    over_reason = (
        base if not np.isnan(overall.point[0, 0]) else undefined(Reason("overall-undefined"))
    )
    worst = agg_value(d.map(lambda v: agg.worst(v, info)[0]), cfg, worst_reason,
                      group=labels[int(w_i[0])], included=inc)
    m = _maxt(d, cfg) if cfg.interval != "percentile" and info.worst else None
    if m is not None and worst.value is not None:
        worst = _simultaneous(worst, *sim.worst_interval(m, info.worst or "min"),
                              top=None if info.signed else 1.0, label=_label(m))
    both = hstack(d, overall)
    return {
        "gap": gap_value(labels, d, cfg, base, p_gap, top=2.0 if info.signed else 1.0),
        "worst": worst,
        "ratio": agg_value(d.map(lambda v: agg.ratio(v, info)), cfg, ratio_reason, included=inc),
        "to_overall": agg_value(
            both.map(lambda v: agg.to_overall(v[:, :-1], v[:, -1])[0]),
            cfg, over_reason, group=labels[int(o_i[0])], included=inc,
        ),
    }


def odds_aggregates(tpr_labels, tpr_excluded, tpr: Draws, fpr: Draws, eo_labels, eo_excluded,
                    eo: Draws, cfg, p_values) -> dict[str, AggregateValue]:
    """Equalized odds (both rates defined) and equal opportunity (TPR defined)."""
    out: dict[str, AggregateValue] = {}
    base = agg.exclusion_reason(tpr_excluded, len(tpr_labels))
    inc = tuple(tpr_labels)
    if len(tpr_labels) < 2:
        out["equalized_odds"] = AggregateValue(None, reasons=_why(base), included=inc)
        out["equalized_odds_mean"] = AggregateValue(None, reasons=_why(base), included=inc)
    else:
        out["equalized_odds"] = gap_value(
            tpr_labels, tpr, cfg, base, p_values.get("equalized_odds"), fpr=fpr)
        tf = hstack(tpr, fpr)
        k = tpr.point.shape[1]
        out["equalized_odds_mean"] = agg_value(
            tf.map(lambda v: agg.odds(v[:, :k], v[:, k:])["equalized_odds_mean"]),
            cfg, base, p_values.get("equalized_odds_mean"), included=inc)
    base = agg.exclusion_reason(eo_excluded, len(eo_labels))
    if len(eo_labels) < 2:
        out["equal_opportunity"] = AggregateValue(
            None, reasons=_why(base), included=tuple(eo_labels)
        )
    else:
        out["equal_opportunity"] = gap_value(
            eo_labels, eo, cfg, base, p_values.get("equal_opportunity"))
    return out
