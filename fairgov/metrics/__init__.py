"""fairgov.metrics: subgroup metrics engine.

Per-group and intersectional metrics with stratified cluster-bootstrap intervals
(vectorised weighted kernels), permutation tests with Holm adjustment, and
threshold policies fitted on validation data.

Decisions (details in the module docstrings):

* Predictions are ``score >= threshold``; fitted thresholds are observed scores, so
  ties are never split (``thresholds``).
* ``"unknown"`` (missing attribute value; for intersections: any component missing)
  is always reported, excluded from aggregates and permutation tests unless
  ``aggregate_unknown=True`` (``api``).
* Undefined values are None with a reason; min evidence (row counts) makes a whole
  cell undefined. Aggregates use groups whose observed value is defined, list the
  excluded ones in ``reason`` and need >= 2 groups (``assemble``).
* Bootstrap: clusters resampled within strata (group combination x any positive;
  strata under ``min_stratum_clusters`` pooled per label), intervals over resamples
  where the statistic is defined: BCa (default), normal or percentile (``intervals``);
  gaps and worst groups get simultaneous max-t intervals (``simultaneous``), gap
  aggregates the signed pairwise differences (``aggvalues``); ECE cells carry a
  debiased estimate (``kernels``).
* Permutation: group labels of (cluster, group) units permuted within label strata;
  p = (1 + #extreme) / (1 + permutations), undefined permutations count as extreme
  (``permutation``).
"""

from .api import measure
from .config import BootstrapConfig, MinEvidence
from .errors import MetricsInputError
from .groups import Bin, BinnedAttribute, CategoricalAttribute, Intersection, encode_groups
from .kernels import (
    weighted_auroc,
    weighted_average_precision,
    weighted_brier,
    weighted_ece,
    weighted_group_metrics,
    weighted_rate,
)
from .permutation import holm
from .registry import AGGREGATES, INTERSECTION_SEP, METRICS, ODDS_AGGREGATES, UNKNOWN, MetricInfo
from .result import (
    AggregateValue,
    AttributeResult,
    CalibrationBin,
    Cell,
    MeasureResult,
    MetricValue,
)
from .thresholds import POLICIES, fit_threshold

SubgroupSpec = CategoricalAttribute | BinnedAttribute | Intersection
"""Any subgroup declaration accepted by ``encode_groups``."""

__all__ = [
    "AGGREGATES",
    "INTERSECTION_SEP",
    "METRICS",
    "ODDS_AGGREGATES",
    "POLICIES",
    "UNKNOWN",
    "AggregateValue",
    "AttributeResult",
    "Bin",
    "BinnedAttribute",
    "BootstrapConfig",
    "CalibrationBin",
    "CategoricalAttribute",
    "Cell",
    "Intersection",
    "MeasureResult",
    "MetricInfo",
    "MetricValue",
    "MetricsInputError",
    "MinEvidence",
    "SubgroupSpec",
    "encode_groups",
    "fit_threshold",
    "holm",
    "measure",
    "weighted_auroc",
    "weighted_average_precision",
    "weighted_brier",
    "weighted_ece",
    "weighted_group_metrics",
    "weighted_rate",
]
