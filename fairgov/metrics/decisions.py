"""``measure`` with per-row decisions instead of one threshold (group-specific thresholds).

Ranking and calibration metrics (AUROC, AP, Brier, ECE, calibration-in-the-large) read the
scores; threshold metrics (TPR, FPR, PPV, ...) and the odds aggregates read the per-row
decisions. Both come from the same engine (``api.measure``) run twice with the same labels,
clusters, groups and bootstrap seed: the strata and hence every resample depend only on
labels, clusters and groups, so the two runs draw the same patients in the same replicate
and the merged record is one coherent bootstrap. The decisions are fed as scores 0/1 with
threshold 1/2, where ``score >= threshold`` is exactly the decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .api import measure
from .errors import MetricsInputError
from .registry import METRICS, ODDS_AGGREGATES

DECISION_THRESHOLD = 0.5


def threshold_metrics(names: Sequence[str]) -> set[str]:
    return {m for m in names if METRICS[m].needs_threshold}


def _merge_cell(cell: dict[str, Any], flagged: dict[str, Any], thr: set[str]) -> dict[str, Any]:
    metrics = {m: (flagged["metrics"][m] if m in thr else v) for m, v in cell["metrics"].items()}
    return {**cell, "metrics": metrics}


def merge(
    by_score: dict[str, Any], by_flag: dict[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """The scores' record with every threshold metric (cells and aggregates) taken from the
    decisions' record."""
    thr = threshold_metrics(names) | set(ODDS_AGGREGATES)
    out = dict(by_score)
    out["overall"] = _merge_cell(by_score["overall"], by_flag["overall"], thr)
    attrs = {}
    for name, attr in by_score["attributes"].items():
        fl = by_flag["attributes"][name]
        groups = {g: _merge_cell(c, fl["groups"][g], thr) for g, c in attr["groups"].items()}
        aggs = {k: (fl["aggregates"][k] if k in thr else v) for k, v in attr["aggregates"].items()}
        attrs[name] = {**attr, "groups": groups, "aggregates": aggs}
    out["attributes"] = attrs
    out["threshold"] = None
    out["decisions"] = "per-row (group-specific thresholds)"
    return out


def measure_decisions(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    decisions: Sequence[bool] | np.ndarray,
    clusters: Sequence[object] | np.ndarray,
    groups: Mapping[str, Sequence[object] | np.ndarray],
    metrics: Sequence[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``measure(...).to_dict()`` where predicted positive is ``decisions[i]`` (not ``score >=
    t``)."""
    flags = np.asarray(decisions)
    if flags.shape != np.asarray(scores).shape or flags.dtype.kind not in "bui":
        raise MetricsInputError("decisions must be one boolean per row")
    names = list(METRICS) if metrics is None else list(metrics)
    by_score = measure(
        labels, scores, clusters, groups, threshold=DECISION_THRESHOLD, metrics=names, **options
    ).to_dict()
    by_flag = measure(
        labels,
        flags.astype(float),
        clusters,
        groups,
        threshold=DECISION_THRESHOLD,
        metrics=names,
        **options,
    ).to_dict()
    return merge(by_score, by_flag, names)
