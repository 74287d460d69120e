"""Per-attribute assembly: cells, aggregates with p-values, reliability bins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .assemble import Intervals, metric_aggregates, metric_value, odds_aggregates, undefined_reason
from .config import BootstrapConfig, MinEvidence
from .inputs import EncodedAttribute
from .kernels import Stats
from .layout import bin_index
from .permutation import permutation_pvalues
from .registry import UNKNOWN
from .result import AttributeResult, CalibrationBin, Cell
from .statistic import attribute_statistic

Metrics = dict[str, np.ndarray]


@dataclass(frozen=True)
class Context:
    """Everything ``measure`` shares between attributes."""

    y: np.ndarray
    s: np.ndarray
    clusters: np.ndarray
    threshold: float
    n_bins: int
    names: list[str]
    bootstrap: BootstrapConfig
    min_evidence: MinEvidence
    permutations: int
    aggregate_unknown: bool


def build_cells(
    ctx: Context, a: EncodedAttribute, st: Stats, point: Metrics, boot: Metrics | None
) -> dict[str, Cell]:
    """One cell per group label; min evidence is judged on observed row counts."""
    k = len(a.labels)
    n_cl = np.bincount(np.unique(ctx.clusters * k + a.codes) % k, minlength=k)
    cis = {m: Intervals(None if boot is None else boot[m], ctx.bootstrap) for m in ctx.names}
    out = {}
    for j, label in enumerate(a.labels):
        n, pos, neg = (int(round(float(x[0, j]))) for x in (st.n, st.pos, st.neg))
        pred = float(st.tp[0, j] + st.fp[0, j])
        ev = ctx.min_evidence.reason(n, pos, neg)
        mv = {}
        for m in ctx.names:
            v = float(point[m][0, j])
            why = ev or (
                undefined_reason(m, n, pos, neg, pred, ctx.threshold) if np.isnan(v) else None
            )
            mv[m] = metric_value(v, why, cis[m], j)
        out[label] = Cell(n, pos, neg, int(n_cl[j]), ev, mv)
    return out


def build_attribute(
    ctx: Context,
    a: EncodedAttribute,
    stream: int,
    cells: dict[str, Cell],
    point: Metrics,
    boot: Metrics | None,
    overall: Metrics,
    overall_boot: Metrics | None,
) -> AttributeResult:
    """Aggregates over the participating groups (non-empty; "unknown" only if asked)."""
    part = [
        j
        for j, lab in enumerate(a.labels)
        if cells[lab].n > 0 and (ctx.aggregate_unknown or lab != UNKNOWN)
    ]

    def defined(m: str) -> list[int]:
        return [
            j
            for j in part
            if cells[a.labels[j]].evidence_reason is None and not np.isnan(point[m][0, j])
        ]

    def labels(idx: list[int]) -> list[str]:
        return [a.labels[j] for j in idx]

    def excluded(idx: list[int]) -> list[str]:
        return [a.labels[j] for j in part if j not in idx]

    def sel(src: Metrics | None, m: str, idx: list[int]) -> np.ndarray | None:
        return None if src is None else src[m][:, idx]

    p_values = _p_values(ctx, a, part, defined, stream)
    aggs: dict = {}
    for m in ctx.names:
        inc = defined(m)
        aggs[m] = metric_aggregates(
            m,
            labels(inc),
            excluded(inc),
            point[m][:, inc],
            sel(boot, m, inc),
            overall[m][:, 0],
            None if overall_boot is None else overall_boot[m][:, 0],
            ctx.bootstrap,
            p_values.get(f"{m}.gap"),
        )
    both = [j for j in defined("tpr") if j in defined("fpr")]
    tpr = defined("tpr")
    aggs.update(
        odds_aggregates(
            labels(both),
            excluded(both),
            (
                sel(point, "tpr", both),
                sel(boot, "tpr", both),
                sel(point, "fpr", both),
                sel(boot, "fpr", both),
            ),
            labels(tpr),
            excluded(tpr),
            (sel(point, "tpr", tpr), sel(boot, "tpr", tpr)),
            ctx.bootstrap,
            p_values,
        )
    )
    return AttributeResult(groups=cells, aggregates=aggs)


def _p_values(ctx: Context, a: EncodedAttribute, part: list[int], defined, stream: int):
    stat_fn, keys = attribute_statistic(ctx.names, part, defined)
    if ctx.permutations == 0 or len(part) < 2 or not keys:
        return {}
    remap = np.full(len(a.labels), -1)
    remap[part] = np.arange(len(part))
    rows = remap[a.codes] >= 0
    return permutation_pvalues(
        ctx.y[rows],
        ctx.s[rows],
        ctx.clusters[rows],
        remap[a.codes[rows]],
        len(part),
        ctx.threshold,
        ctx.n_bins,
        stat_fn,
        ctx.permutations,
        ctx.bootstrap.seed,
        stream,
        ctx.bootstrap.max_memory_mb,
    )


def calibration_bins(
    ctx: Context, codes: np.ndarray, n_seg: int
) -> list[tuple[CalibrationBin, ...]]:
    """Reliability-diagram bins (row counts, mean score, mean label) per segment."""
    nb = ctx.n_bins
    key = codes * nb + bin_index(ctx.s, nb)
    size = n_seg * nb
    cnt = np.bincount(key, minlength=size).reshape(n_seg, nb)
    ssum = np.bincount(key, weights=ctx.s, minlength=size).reshape(n_seg, nb)
    ysum = np.bincount(key, weights=ctx.y.astype(float), minlength=size).reshape(n_seg, nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_s, mean_y = ssum / cnt, ysum / cnt
    return [
        tuple(
            CalibrationBin(
                j / nb,
                (j + 1) / nb,
                int(cnt[g, j]),
                float(mean_s[g, j]) if cnt[g, j] else None,
                float(mean_y[g, j]) if cnt[g, j] else None,
            )
            for j in range(nb)
        )
        for g in range(n_seg)
    ]
