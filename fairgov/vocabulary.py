"""The words every stage shares, defined once at the bottom of the stack.

Metric names, the attribute-level aggregates built from them, gate and monitoring
statistics, gate statuses in their order, split names. The spec's ``Literal`` types, the
metric registry (``fairgov.metrics.registry``), the gates and render all read them from here;
this module imports nothing of fairgov's.

Adding a metric: add its name to ``MetricName`` below and its facts (direction, threshold
dependence, worst-group rule) to ``fairgov.metrics.registry.METRICS``, plus its kernel;
``tests/misc/test_vocabulary.py`` checks that the two agree.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "AGGREGATE_METRICS", "AGGREGATE_PARTS", "GATE_STATISTICS", "GROUP_AGGREGATES",
    "INTERSECTION_SEP", "METRIC_NAMES", "MONITOR_STATISTICS", "SCORED_SPLITS", "SPLITS",
    "STATUSES", "STATUS_ORDER",
    "AggregateMetricName", "GateStatistic", "GroupAggregate", "MetricName", "MonitorStatistic",
    "SplitName", "Status", "subgroup_name",
]  # fmt: skip

#: per-group metrics (one value per subgroup), in the order the reports list them
MetricName = Literal[
    "auroc", "average_precision", "brier", "ece", "calibration_in_the_large",
    "tpr", "tnr", "fpr", "fnr", "ppv", "npv", "accuracy", "balanced_accuracy", "selection_rate",
]  # fmt: skip
METRIC_NAMES: tuple[str, ...] = get_args(MetricName)

#: attribute-level aggregates built from the TPR and FPR gaps (one value per attribute)
AggregateMetricName = Literal["equalized_odds", "equalized_odds_mean", "equal_opportunity"]
AGGREGATE_METRICS: tuple[str, ...] = get_args(AggregateMetricName)
#: the per-group metrics each aggregate is built from
AGGREGATE_PARTS: dict[str, tuple[str, ...]] = {
    "equalized_odds": ("tpr", "fpr"),
    "equalized_odds_mean": ("tpr", "fpr"),
    "equal_opportunity": ("tpr",),
}

#: per-metric aggregates over the groups of one attribute
GroupAggregate = Literal["gap", "worst", "ratio", "to_overall"]
GROUP_AGGREGATES: tuple[str, ...] = get_args(GroupAggregate)
#: what a policy's metric gate compares with its limit
GateStatistic = Literal["gap", "worst", "ratio", "to_overall", "group", "difference"]
GATE_STATISTICS: tuple[str, ...] = get_args(GateStatistic)
#: what a monitoring metric check compares with its limit
MonitorStatistic = Literal["gap", "worst", "ratio", "to_overall", "group", "overall"]
MONITOR_STATISTICS: tuple[str, ...] = get_args(MonitorStatistic)

#: a gate's status, worst first: the order reports sort and summarise by
Status = Literal["fail", "inconclusive", "warn", "waived", "pass"]
STATUSES: tuple[str, ...] = get_args(Status)
STATUS_ORDER: dict[str, int] = {s: i for i, s in enumerate(STATUSES)}

#: separator of the attributes in an intersection's name ("sex×age_band") and of the values in
#: its groups' labels ("female×60-79")
INTERSECTION_SEP = "×"


def subgroup_name(item: str | list[str]) -> str:
    """The name of a policy's subgroup item: an attribute, or an intersection of attributes."""
    return item if isinstance(item, str) else INTERSECTION_SEP.join(item)


#: the canonical split names (a datasheet's own split values are mapped onto these)
SplitName = Literal["train", "validation", "test"]
SPLITS: tuple[str, ...] = get_args(SplitName)
#: the splits that are scored and measured (train only fits the probe)
SCORED_SPLITS: tuple[str, ...] = ("validation", "test")
