"""Configuration dataclasses for ``measure``."""

from __future__ import annotations

from dataclasses import dataclass

from fairgov.reasons import Reason, undefined

from .errors import MetricsInputError


@dataclass(frozen=True)
class BootstrapConfig:
    """Cluster bootstrap settings.

    ``resamples=0`` disables intervals. ``stratify`` keeps, in every resample, the
    number of clusters per (group combination, has-any-positive) stratum fixed, so
    a metric defined on the sample stays defined in the resamples. Results do not
    depend on ``max_memory_mb``: resamples are drawn in fixed blocks of
    ``BLOCK`` with one PCG64 stream per block. Strata with fewer than
    ``min_stratum_clusters`` clusters are pooled per label (see
    ``bootstrap.cluster_strata``). Intervals are formed over resamples where the
    statistic is defined, and only when at least ``min_defined_fraction`` are.
    ``interval`` is the method of per-group intervals (``intervals.METHODS``); with any
    method but "percentile", gaps and worst-group values get simultaneous max-t
    intervals over groups (``simultaneous``).
    """

    resamples: int = 2000
    level: float = 0.95
    seed: int = 0
    stratify: bool = True
    max_memory_mb: float = 500.0
    min_defined_fraction: float = 0.99
    min_stratum_clusters: int = 5
    interval: str = "bca"

    BLOCK = 25

    def __post_init__(self) -> None:
        if self.resamples < 0:
            raise MetricsInputError("bootstrap resamples must be >= 0")
        if not 0 < self.level < 1:
            raise MetricsInputError("bootstrap level must be in (0, 1)")
        if self.max_memory_mb <= 0:
            raise MetricsInputError("max_memory_mb must be > 0")
        if self.interval not in ("percentile", "bca", "normal", "studentized"):
            raise MetricsInputError(
                "bootstrap interval must be percentile, bca, normal or studentized"
            )


@dataclass(frozen=True)
class MinEvidence:
    """Minimum evidence per cell (rows); below any of them every metric of the cell
    is undefined and the reason lists the failing counts."""

    n: int = 0
    positives: int = 20
    negatives: int = 20

    def reason(self, n: int, n_pos: int, n_neg: int) -> Reason | None:
        fails = [
            why
            for have, need, why in (
                (n, self.n, Reason("too-few-rows", {"count": n, "need": self.n})),
                (
                    n_pos,
                    self.positives,
                    Reason("too-few-positives", {"count": n_pos, "need": self.positives}),
                ),
                (
                    n_neg,
                    self.negatives,
                    Reason("too-few-negatives", {"count": n_neg, "need": self.negatives}),
                ),
            )
            if have < need
        ]
        return undefined(*fails) if fails else None
