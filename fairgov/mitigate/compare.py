"""Paired comparison of evaluation variants on the same test rows (issue 14).

Every arm (the baseline and each candidate) is a (scores, decisions) pair over the same rows.
The patient-cluster bootstrap of fairgov.metrics draws each replicate's patient counts once
(``bootstrap.resample_counts``, strata from labels, clusters and groups, which all arms
share) and evaluates every arm with those same counts through the same sparse layouts
(``layout.build_layout``, ``kernels.segment_stats``): the difference of a statistic between
two arms is computed inside each replicate, so what the arms have in common (the same hard
patients, the same thin groups) cancels, and the interval of the difference is the interval
of those paired replicates (``intervals.compute``, the evaluation's method; BCa without a
jackknife is bias-corrected only). Ranking metrics read the scores, threshold metrics the
decisions (``decisions``), as in ``measure_decisions``. ``paired=False`` draws each arm's
replicates independently (a different seed per arm), only to show what pairing buys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairgov.metrics import aggregates as agg
from fairgov.metrics.bootstrap import chunk_size, cluster_strata, contiguous_codes, resample_counts
from fairgov.metrics.config import BootstrapConfig, MinEvidence
from fairgov.metrics.inputs import encode_groups_input, validate_arrays
from fairgov.metrics.intervals import compute
from fairgov.metrics.kernels import metrics_from_stats, segment_stats
from fairgov.metrics.layout import build_layout
from fairgov.metrics.registry import METRICS, UNKNOWN

OVERALL = "overall"
DECISION_THRESHOLD = 0.5


@dataclass(frozen=True)
class Arm:
    """One variant's outputs on the shared test rows."""

    scores: np.ndarray
    decisions: np.ndarray  # bool: predicted positive


@dataclass(frozen=True)
class Statistic:
    """What is compared: `metric` overall, or per group / aggregated across `across`."""

    metric: str  # a registry metric, or equalized_odds / equalized_odds_mean / equal_opportunity
    across: str | None  # attribute (or intersection) name; None = the whole test split
    statistic: str  # overall | group | each_group | gap | worst
    group: str | None = None

    @property
    def key(self) -> str:
        if self.across is None:
            return f"{self.metric}.overall"
        tail = f"[{self.group}]" if self.group else ""
        return f"{self.metric}.{self.statistic}.{self.across}{tail}"


def _base_metric(metric: str) -> list[str]:
    if metric == "equal_opportunity":
        return ["tpr"]
    if metric in ("equalized_odds", "equalized_odds_mean"):
        return ["tpr", "fpr"]
    return [metric]


class _ArmLayouts:
    """The sparse layouts of one arm: scores (ranking) and decisions (threshold metrics)
    for the overall segment and every attribute."""

    def __init__(
        self, y, arm: Arm, codes: Mapping[str | None, tuple[np.ndarray, int]], cl, ncl, nb
    ):
        flags = np.asarray(arm.decisions, dtype=bool).astype(float)
        self.by = {
            name: (
                build_layout(y, arm.scores, c, g, cl, ncl, DECISION_THRESHOLD, nb),
                build_layout(y, flags, c, g, cl, ncl, DECISION_THRESHOLD, nb),
            )
            for name, (c, g) in codes.items()
        }

    def values(
        self, weights: np.ndarray, names: Sequence[str | None]
    ) -> dict[str | None, dict[str, np.ndarray]]:
        """{attribute: {metric: (B, groups)}} for cluster weights (clusters, B)."""
        out = {}
        for name in names:
            by_score, by_flag = self.by[name]
            s = metrics_from_stats(segment_stats(by_score, weights))
            f = metrics_from_stats(segment_stats(by_flag, weights))
            out[name] = {m: (f[m] if METRICS[m].needs_threshold else s[m]) for m in METRICS}
        return out


def _evaluate(
    stat: Statistic,
    vals: dict[str | None, dict[str, np.ndarray]],
    labels: Mapping[str | None, tuple[str, ...]],
    included: Mapping[str | None, list[int]],
) -> dict[str, np.ndarray]:
    """{row key: (B,)} of one statistic (each_group gives one row per group)."""
    if stat.across is None:
        return {stat.key: vals[None][stat.metric][:, 0]}
    v = vals[stat.across]
    names = labels[stat.across]
    if stat.statistic in ("group", "each_group"):
        groups = (
            [stat.group] if stat.statistic == "group" else [names[i] for i in included[stat.across]]
        )
        return {
            f"{stat.metric}.group.{stat.across}[{g}]": v[stat.metric][:, names.index(g)]
            for g in groups
            if g in names
        }
    inc = included[stat.across]
    if len(inc) < 2:
        return {stat.key: np.full(next(iter(v.values())).shape[0], np.nan)}
    if stat.metric in ("equalized_odds", "equalized_odds_mean"):
        return {stat.key: agg.odds(v["tpr"][:, inc], v["fpr"][:, inc])[stat.metric]}
    if stat.metric == "equal_opportunity":
        return {stat.key: agg.gap(v["tpr"][:, inc])}
    if stat.statistic == "gap":
        return {stat.key: agg.gap(v[stat.metric][:, inc])}
    if stat.statistic == "worst":
        return {stat.key: agg.worst(v[stat.metric][:, inc], METRICS[stat.metric])[0]}
    raise ValueError(f"statistic {stat.statistic!r} is not compared")


def _included(
    y, codes, labels, min_evidence: MinEvidence, points: list[dict], stats: Sequence[Statistic]
) -> dict:
    """Groups that take part in aggregates: not `unknown`, enough evidence, and every base
    metric the statistics read defined in every arm's point estimate."""
    out: dict[str | None, list[int]] = {}
    for name, (c, g) in codes.items():
        if name is None:
            continue
        metrics = {b for s in stats if s.across == name for b in _base_metric(s.metric)}
        inc = []
        for k in range(g):
            rows = c == k
            n, pos = int(rows.sum()), int(y[rows].sum())
            if labels[name][k] == UNKNOWN or min_evidence.reason(n, pos, n - pos) is not None:
                continue
            if all(np.isfinite(p[name][m][0, k]) for p in points for m in metrics):
                inc.append(k)
        out[name] = inc
    return out


def paired_differences(
    labels: Sequence[int] | np.ndarray,
    clusters: Sequence[object] | np.ndarray,
    groups: Mapping[str, Sequence[object] | np.ndarray],
    arms: Mapping[str, Arm],
    baseline: str,
    statistics: Sequence[Statistic],
    bootstrap: BootstrapConfig = BootstrapConfig(),  # noqa: B008 (frozen)
    min_evidence: MinEvidence = MinEvidence(),  # noqa: B008
    ece_bins: int = 10,
    paired: bool = True,
) -> dict[str, dict[str, dict[str, Any]]]:
    """{candidate: {row key: {baseline, candidate, difference, ci_low, ci_high, defined}}}
    where difference = candidate − baseline and the interval is over paired replicates."""
    first = next(iter(arms.values()))
    y, _, cl, ncl = validate_arrays(labels, first.scores, clusters)
    attrs = encode_groups_input(groups, y.size)
    strata = cluster_strata(
        cl,
        ncl,
        y,
        [a.codes for a in attrs] if bootstrap.stratify else [],
        bootstrap.min_stratum_clusters,
    )
    cl = contiguous_codes(strata, ncl)[cl]
    zero = np.zeros(y.size, dtype=np.int64)
    codes: dict[str | None, tuple[np.ndarray, int]] = {None: (zero, 1)}
    names: dict[str | None, tuple[str, ...]] = {None: ("all",)}
    for a in attrs:
        codes[a.name], names[a.name] = (a.codes, len(a.labels)), a.labels
    wanted = [None, *sorted({s.across for s in statistics if s.across is not None})]
    with np.errstate(invalid="ignore", divide="ignore"):
        lays = {
            k: _ArmLayouts(y, arm, {n: codes[n] for n in wanted}, cl, ncl, ece_bins)
            for k, arm in arms.items()
        }
        ones = np.ones((ncl, 1))
        points = {k: lay.values(ones, wanted) for k, lay in lays.items()}
        included = _included(y, codes, names, min_evidence, list(points.values()), statistics)
        pt = {
            k: {
                r: float(v[0])
                for s in statistics
                for r, v in _evaluate(s, p, names, included).items()
            }
            for k, p in points.items()
        }
        rows = list(pt[baseline])
        boots = {k: np.full((bootstrap.resamples, len(rows)), np.nan) for k in arms}
        chunk = chunk_size(bootstrap, ncl, 8 * y.size)
        sizes = [m.size for m in strata]
        for i, k in enumerate(arms):
            if paired and i > 0:
                break
            cfg = (
                bootstrap
                if paired
                else BootstrapConfig(
                    resamples=bootstrap.resamples,
                    level=bootstrap.level,
                    seed=bootstrap.seed + 7919 * i,
                    stratify=bootstrap.stratify,
                    min_stratum_clusters=bootstrap.min_stratum_clusters,
                )
            )
            for start, counts in resample_counts(cfg, sizes, chunk):
                for arm in arms if paired else [k]:
                    vals = lays[arm].values(counts, wanted)
                    got = {
                        r: v
                        for s in statistics
                        for r, v in _evaluate(s, vals, names, included).items()
                    }
                    for j, r in enumerate(rows):
                        boots[arm][start : start + counts.shape[1], j] = got[r]
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for k in arms:
        if k == baseline:
            continue
        diff = boots[k] - boots[baseline]
        point = np.array([pt[k][r] - pt[baseline][r] for r in rows])
        lo, hi, frac = compute(
            bootstrap.interval, diff, point, None, bootstrap.level, bootstrap.min_defined_fraction
        )
        out[k] = {
            r: {
                "baseline": _num(pt[baseline][r]),
                "candidate": _num(pt[k][r]),
                "difference": _num(point[j]),
                "ci_low": _num(lo[j]),
                "ci_high": _num(hi[j]),
                "defined": float(frac[j]),
            }
            for j, r in enumerate(rows)
        }
    return out


def _num(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
