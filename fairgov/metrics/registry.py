"""Metric registry: direction, threshold dependence and worst-group rule of each metric that
``fairgov.vocabulary.MetricName`` names, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fairgov.vocabulary import AGGREGATE_METRICS, GROUP_AGGREGATES
from fairgov.vocabulary import INTERSECTION_SEP as VOCABULARY_SEP

UNKNOWN = "unknown"
"""Group label for rows whose attribute value is missing (reported, never dropped)."""

INTERSECTION_SEP = VOCABULARY_SEP
"""Separator used in intersection names ("sex×age_band") and labels ("female×60-79")."""


@dataclass(frozen=True)
class MetricInfo:
    """Static facts about a metric.

    ``higher_is_better`` is None for metrics without a preferred direction
    (selection rate, signed calibration); ``worst`` says how the worst group is
    chosen: "min", "max", "max_abs" or None (no worst group).
    """

    name: str
    higher_is_better: bool | None
    needs_threshold: bool
    description: str
    worst: Literal["min", "max", "max_abs"] | None
    signed: bool = False


def _m(name: str, hib: bool | None, thr: bool, desc: str, worst, signed: bool = False):
    return name, MetricInfo(name, hib, thr, desc, worst, signed)


METRICS: dict[str, MetricInfo] = dict(
    [
        _m(
            "auroc", True, False, "P(random positive scores above random negative), ties 1/2", "min"
        ),
        _m("average_precision", True, False, "step-wise area under PR curve (sklearn)", "min"),
        _m("brier", False, False, "mean squared error of the score", "max"),
        _m("ece", False, False, "expected calibration error, equal-width bins on [0, 1]", "max"),
        _m("calibration_in_the_large", None, False, "mean score - mean label", "max_abs", True),
        _m("tpr", True, True, "sensitivity TP/(TP+FN)", "min"),
        _m("tnr", True, True, "specificity TN/(TN+FP)", "min"),
        _m("fpr", False, True, "false-positive rate FP/(FP+TN)", "max"),
        _m("fnr", False, True, "false-negative rate FN/(FN+TP) (underdiagnosis)", "max"),
        _m("ppv", True, True, "precision TP/(TP+FP)", "min"),
        _m("npv", True, True, "negative predictive value TN/(TN+FN)", "min"),
        _m("accuracy", True, True, "(TP+TN)/n", "min"),
        _m("balanced_accuracy", True, True, "(TPR+TNR)/2", "min"),
        _m("selection_rate", None, True, "fraction predicted positive", None),
    ]
)

AGGREGATES: tuple[str, ...] = GROUP_AGGREGATES
"""Per-metric aggregates over the groups of one attribute (the vocabulary's)."""

ODDS_AGGREGATES: tuple[str, ...] = AGGREGATE_METRICS
"""Attribute-level aggregates built from TPR and FPR gaps (the vocabulary's)."""
