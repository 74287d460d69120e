"""Frozen result tree of ``measure`` with JSON-safe ``to_dict()``.

Floats are kept at full precision; undefined values are ``None`` with their reasons
(``fairgov.reasons.Reason``: a code and its parameters; ``to_dict`` writes them as records
beside their English text). ``NaN`` never appears: ``_num`` converts it to ``None`` as a
last guard.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from fairgov.reasons import Reason, joined

from .config import BootstrapConfig, MinEvidence
from .stderr import STUDENTIZED

if TYPE_CHECKING:
    from fairgov.results import Measure


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def records(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    """Reasons as results.json records (code, params, English text)."""
    return [r.to_dict() for r in reasons]


STUDENTIZED_NOTE = (
    " (" + ", ".join(sorted(STUDENTIZED)) + "; bca for every other metric and aggregate)"
)


@dataclass(frozen=True)
class MetricValue:
    """A value with its interval; ``debiased`` (ECE only) is the debiased estimator with
    its own interval, reported beside the plug-in (``kernels.metrics_from_stats``)."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    reasons: tuple[Reason, ...] = ()
    debiased: MetricValue | None = field(default=None, kw_only=True)

    @property
    def reason(self) -> str | None:
        """The English text of `reasons` (None without reasons)."""
        return joined(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "value": _num(self.value),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "reason": self.reason,
        }
        if self.reasons:
            d["reasons"] = records(self.reasons)
        if self.debiased is not None:
            d["debiased"] = self.debiased.to_dict()
        return d


@dataclass(frozen=True)
class Difference:
    """Signed difference ``group - reference`` with marginal and simultaneous intervals and
    its bootstrap standard error ``se`` (per-pair tests); ``reference`` "rest" is every other
    row of the split pooled."""

    group: str
    reference: str
    value: float
    ci_low: float | None
    ci_high: float | None
    sim_low: float | None
    sim_high: float | None
    se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: _num(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class AggregateValue(MetricValue):
    """An aggregate; ``p_value`` for gap-type aggregates, ``group`` for worst and
    to_overall, ``included`` lists the groups that took part; ``interval`` names the
    interval method; gaps may carry ``fair_upper`` (quantiles 5%..95% of the upper bound
    under a true gap of 0: the gate's operating characteristic), signed pairwise
    ``differences`` and ``versus_rest`` (each group minus every other row pooled)."""

    p_value: float | None = None
    group: str | None = None
    included: tuple[str, ...] = ()
    interval: str | None = None
    fair_upper: tuple[float, ...] | None = None
    differences: tuple[Difference, ...] = ()
    versus_rest: tuple[Difference, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(p_value=_num(self.p_value), group=self.group, included=list(self.included))
        if self.interval is not None:
            d["interval"] = self.interval
        if self.fair_upper is not None:
            d["fair_upper"] = [_num(x) for x in self.fair_upper]
        if self.differences:
            d["differences"] = [x.to_dict() for x in self.differences]
        if self.versus_rest:
            d["versus_rest"] = [x.to_dict() for x in self.versus_rest]
        return d


@dataclass(frozen=True)
class Cell:
    """Metrics of one group (or overall); counts are rows / distinct clusters."""

    n: int
    n_pos: int
    n_neg: int
    n_clusters: int
    evidence: Reason | None
    metrics: Mapping[str, MetricValue]

    @property
    def evidence_reason(self) -> str | None:
        """Why the cell's evidence is too thin (English), None when it is enough."""
        return None if self.evidence is None else self.evidence.text

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": self.n,
            "n_pos": self.n_pos,
            "n_neg": self.n_neg,
            "n_clusters": self.n_clusters,
            "evidence_reason": self.evidence_reason,
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
        }
        if self.evidence is not None:
            d["evidence_reasons"] = records((self.evidence,))
        return d


@dataclass(frozen=True)
class AttributeResult:
    groups: Mapping[str, Cell]
    aggregates: Mapping[str, Mapping[str, AggregateValue] | AggregateValue]

    def to_dict(self) -> dict[str, Any]:
        aggs: dict[str, Any] = {}
        for k, v in self.aggregates.items():
            if isinstance(v, AggregateValue):
                aggs[k] = v.to_dict()
            else:
                aggs[k] = {name: a.to_dict() for name, a in v.items()}
        return {"groups": {g: c.to_dict() for g, c in self.groups.items()}, "aggregates": aggs}


@dataclass(frozen=True)
class CalibrationBin:
    bin_low: float
    bin_high: float
    n: int
    mean_score: float | None
    mean_label: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "bin_low": self.bin_low,
            "bin_high": self.bin_high,
            "n": self.n,
            "mean_score": _num(self.mean_score),
            "mean_label": _num(self.mean_label),
        }


@dataclass(frozen=True)
class MeasureResult:
    threshold: float
    n: int
    n_pos: int
    n_neg: int
    n_clusters: int
    bootstrap: BootstrapConfig
    permutations: int
    min_evidence: MinEvidence
    ece_bins: int
    aggregate_unknown: bool
    overall: Cell
    attributes: Mapping[str, AttributeResult]
    calibration_overall: tuple[CalibrationBin, ...]
    calibration: Mapping[str, Mapping[str, tuple[CalibrationBin, ...]]] = field(
        default_factory=dict
    )

    def typed(self) -> Measure:
        """The typed results.json section of this measurement (what the gates read)."""
        from fairgov.results import Measure

        return Measure.model_validate(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        bs = self.bootstrap
        return {
            "threshold": _num(self.threshold),
            "n": self.n,
            "n_pos": self.n_pos,
            "n_neg": self.n_neg,
            "n_clusters": self.n_clusters,
            "bootstrap": {
                "resamples": bs.resamples,
                "level": bs.level,
                "seed": bs.seed,
                "stratified": bs.stratify,
                "min_stratum_clusters": bs.min_stratum_clusters,
                "method": ("cluster-stratified-" if bs.stratify else "cluster-") + bs.interval
                + (STUDENTIZED_NOTE if bs.interval == "studentized" else ""),
                "interval": bs.interval,
            },
            "permutation": {
                "permutations": self.permutations,
                "seed": bs.seed,
                "method": "cluster-group-labels-within-label-strata",
            },
            "min_evidence": asdict(self.min_evidence),
            "ece_bins": self.ece_bins,
            "aggregate_unknown": self.aggregate_unknown,
            "overall": self.overall.to_dict(),
            "attributes": {k: v.to_dict() for k, v in self.attributes.items()},
            "calibration": {
                "overall": [b.to_dict() for b in self.calibration_overall],
                "attributes": {
                    a: {g: [b.to_dict() for b in bins] for g, bins in groups.items()}
                    for a, groups in self.calibration.items()
                },
            },
        }
