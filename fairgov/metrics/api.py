"""``measure``: subgroup metrics with cluster-bootstrap intervals and permutation tests.

Decisions (see also the module docstrings of bootstrap, permutation, thresholds):

* The ``"unknown"`` group of every attribute is always reported (possibly empty)
  but, by default, excluded from aggregates and permutation tests, because it is
  not a demographic group whose disparity can be acted on. ``aggregate_unknown``
  makes it participate like any other group.
* Minimum evidence is judged on row counts of the observed data; inside
  resamples only mathematical definedness matters.
* Aggregates use the groups whose point value is defined; the same set is used
  in every resample and permutation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .assemble import Draws
from .attribute import Context, build_attribute, build_cells, calibration_bins
from .bootstrap import (
    chunk_size,
    cluster_strata,
    contiguous_codes,
    resample_counts,
    resample_counts_t,
)
from .config import BootstrapConfig, MinEvidence
from .countrank import count_layout, count_stats, narrow
from .errors import MetricsInputError
from .inputs import EncodedAttribute, encode_groups_input, validate_arrays
from .intervals import JACKKNIFE_BLOCKS
from .kernels import (
    LINEAR_METRICS,
    MIX_RATES,
    deleted_block_stats,
    linear_metrics,
    metrics_from_stats,
    mix_rates,
    segment_stats,
)
from .layout import build_layout, sort_order
from .registry import METRICS
from .result import MeasureResult
from .stderr import STUDENTIZED, StandardErrors, cluster_counts


def _check_options(metrics, threshold, ece_bins, permutations) -> list[str]:
    names = list(METRICS) if metrics is None else list(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise MetricsInputError(f"unknown metrics {unknown}; known: {list(METRICS)}")
    if not np.isfinite(threshold):
        raise MetricsInputError("threshold must be a finite number")
    if int(ece_bins) != ece_bins or ece_bins < 1:
        raise MetricsInputError("ece_bins must be a positive integer")
    if int(permutations) != permutations or permutations < 0:
        raise MetricsInputError("permutations must be a non-negative integer")
    return names


STORED = (*METRICS, "ece_debiased")
REST_MAX_GROUPS = 8
"""Differences against the rest are measured (for the attributes ``measure`` is asked to) when
the attribute has at most this many non-empty groups: the rest layout holds every row once per
other group, (G - 1) x the rows, so it roughly doubles the bootstrap cost of a 4-group attribute
(which is why it is opt-in: the pipeline asks for it where a gate names `reference: rest`)."""


def rest_layout_rows(codes: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(row index, segment) of the rest layout: segment j holds every row *not* in group j
    (non-empty groups only); None when the attribute has fewer than 2 or more than
    ``REST_MAX_GROUPS`` non-empty groups."""
    present = np.flatnonzero(np.bincount(codes, minlength=n_labels))
    if not 2 <= present.size <= REST_MAX_GROUPS:
        return None
    rows = [np.flatnonzero(codes != j) for j in present]
    seg = [np.full(r.size, j, dtype=np.int64) for j, r in zip(present, rows, strict=True)]
    return np.concatenate(rows), np.concatenate(seg)


def _fill(store, layouts, start, weights, need, drop=None, counts=False) -> None:
    """Metric values for the weight columns; with ``drop`` (jackknife, see `_exact_counts`)
    each layout's rank product is its total minus rank_t @ drop, one sparse pass; ``counts``:
    the rank products are integers (see `kernels.segment_stats`)."""
    for lay, st in zip(layouts, store, strict=True):
        rank = None
        if drop is not None:
            total = np.asarray(lay.rank_t @ np.ones((drop.shape[0], 1)))
            rank = total - (lay.rank_t @ drop).toarray()
        for m, v in metrics_from_stats(
            segment_stats(lay, weights, need, rank, counts=counts)
        ).items():
            st[m][start : start + weights.shape[1]] = v


def _exact_counts(layouts, ncl) -> bool:
    """rank_t holds counts: every weighted sum with 0/1 weights is an integer below 2**52,
    so total minus a block's part is exact and bit-identical to the direct product."""
    for lay in layouts:
        d = lay.rank_t.data
        if not (np.array_equal(d, np.round(d)) and float(np.abs(d).sum()) * max(ncl, 1) < 2.0**52):
            return False
    return True


def _pairs_exact(layouts) -> bool:
    """Every positive x negative pair count (the AUROC numerator) stays below 2**52."""
    return all(float(lay.rank_t.data.sum()) ** 2 < 2.0**52 for lay in layouts)


def _counted(layouts, inputs, need, exact, threshold):
    """Count layouts (`countrank`) for the layouts where the bootstrap takes the integer path:
    counts exact, no linear metric, no average precision, and enough positive cells (with few
    cells, from ties, the sparse scan is the cheaper); None elsewhere."""
    if not exact or not need.isdisjoint(LINEAR_METRICS) or "average_precision" in need:
        return [None] * len(layouts)
    return [
        count_layout(y, s, g, lay.n_segments, c, threshold, order)
        if lay.kp * COUNT_PATH_CELLS >= y.size
        else None
        for lay, (y, s, g, c, order) in zip(layouts, inputs, strict=True)
    ]


COUNT_PATH_CELLS = 20
"""The integer path is taken when positive cells are at least 1/20 of the layout's rows."""


def _standard_errors(layouts, cfg: BootstrapConfig, need):
    """Per-layout standard-error estimators (``stderr``) for ``interval: studentized``."""
    wanted = need & STUDENTIZED
    if cfg.resamples == 0 or cfg.interval != "studentized" or not wanted:
        return [None] * len(layouts)
    return [StandardErrors(lay, wanted) for lay in layouts]


def _bootstrap(ncl, sizes, layouts, cfg: BootstrapConfig, need, ses, inputs=None, threshold=0.0):
    """Metric values of every resample per layout, and (studentized) their standard errors.
    ``inputs`` (labels, scores, segments, clusters, score order of each layout) allow the
    integer path of `countrank`, whose values are bit-identical to the scan's; it is taken
    only when no standard error is wanted (those read the float counts of each chunk)."""
    if cfg.resamples == 0:
        return [None] * len(layouts), [None] * len(layouts)
    store = [{m: np.empty((cfg.resamples, lay.n_segments)) for m in STORED} for lay in layouts]
    se_store = [
        None if se is None else {m: np.empty((cfg.resamples, lay.n_segments)) for m in se.metrics}
        for se, lay in zip(ses, layouts, strict=True)
    ]
    exact = _exact_counts(layouts, ncl)
    counted = (
        _counted(layouts, inputs, need, exact, threshold)
        if inputs and all(se is None for se in ses)
        else [None] * len(layouts)
    )
    if any(c is not None for c in counted):
        for start, counts_t in resample_counts_t(cfg, sizes, cfg.BLOCK):
            counts, (small, top) = None, narrow(counts_t)
            for lay, cly, st in zip(layouts, counted, store, strict=True):
                stats = count_stats(cly, small, top) if cly is not None else None
                if stats is None:  # the scan
                    if counts is None:
                        counts = np.ascontiguousarray(counts_t.T, dtype=float)
                    stats = segment_stats(lay, counts, need, counts=exact)
                for m, v in metrics_from_stats(stats).items():
                    st[m][start : start + counts_t.shape[0]] = v
        return store, se_store
    chunk = chunk_size(cfg, ncl, max(lay.n_rows for lay in layouts))
    for start, counts in resample_counts(cfg, sizes, chunk):
        _fill(store, layouts, start, counts, need, counts=exact)
        for se, sst in zip(ses, se_store, strict=True):
            if se is not None and sst is not None:
                for m, v in se(counts).items():
                    sst[m][start : start + counts.shape[1]] = v
    return store, se_store


CALIBRATION_STREAM = 2
"""Random stream of the calibration resamples (the main resamples use 0)."""


def _calibration(cl, ncl, y, codes, layouts, cfg: BootstrapConfig, need, store, se_store):
    """Replace the resamples of the statistics that move with the label mix in ``store`` (and,
    studentized, their standard errors in ``se_store``) by resamples stratified by group only:
    the calibration statistics (ECE plug-in and debiased, Brier, calibration-in-the-large) and
    the rates whose denominator mixes labels (``MIX_RATES``: ppv, npv, accuracy,
    selection_rate).

    The main resamples keep each stratum's number of patients with a positive fixed, which
    is right for statistics conditional on the labels (AUROC, TPR, FPR) but removes the
    sampling variation of the label mix these statistics carry: with it the debiased ECE's
    intervals covered 0.88-0.89 at 300 patients per group and PPV's 0.90, with this pass
    see benchmarks/statistics.py. Everything here is linear in the patient counts (the
    linear product and per-patient tp/fp/pos/neg counts): no rank scan."""
    rates = sorted(need & MIX_RATES)
    if cfg.resamples == 0 or (need.isdisjoint(LINEAR_METRICS) and not rates):
        return
    strata = cluster_strata(cl, ncl, y, codes, cfg.min_stratum_clusters, by_label=False)
    order = contiguous_codes(strata, ncl)  # current code -> code of the calibration draws
    cc = [cluster_counts(lay) for lay in layouts]
    ses = [
        StandardErrors(lay, frozenset(rates))
        if rates and cfg.interval == "studentized" and st is not None else None
        for lay, st in zip(layouts, se_store, strict=True)
    ]
    linear = not need.isdisjoint(LINEAR_METRICS)
    chunk = chunk_size(cfg, ncl, max(lay.n_rows for lay in layouts))
    for start, counts in resample_counts(cfg, [m.size for m in strata], chunk,
                                         CALIBRATION_STREAM):
        weights = counts[order]
        cols = slice(start, start + weights.shape[1])
        for lay, st, c, se, sst in zip(layouts, store, cc, ses, se_store, strict=True):
            n = np.asarray(c["n"] @ weights).T
            if linear:
                for m, v in linear_metrics(lay, weights, n).items():
                    st[m][cols] = v
            if rates:
                tp, fp, pos, neg = (
                    np.asarray(c[k] @ weights).T for k in ("tp", "fp", "pos", "neg")
                )
                mix = mix_rates(tp, fp, pos, neg)
                for m in rates:
                    st[m][cols] = mix[m]
            if se is not None and sst is not None:
                for m, v in se(weights).items():
                    sst[m][cols] = v


def _jackknife(ncl, layouts, cfg: BootstrapConfig, need):
    """Delete-a-block jackknife values (J, segments) per layout, for BCa's acceleration."""
    if cfg.resamples == 0 or cfg.interval not in ("bca", "studentized"):  # BCa's fallback
        return [None] * len(layouts)
    n_blocks = min(ncl, JACKKNIFE_BLOCKS)
    chunk = chunk_size(cfg, ncl, max(lay.n_rows for lay in layouts))
    store = [{m: np.empty((n_blocks, lay.n_segments)) for m in STORED} for lay in layouts]
    block = np.arange(ncl) % n_blocks
    exact = _exact_counts(layouts, ncl)
    linear = not need.isdisjoint(LINEAR_METRICS)
    if exact and not linear and "average_precision" not in need and _pairs_exact(layouts):
        for lay, st in zip(layouts, store, strict=True):  # same integers, no per-block scan
            for m, v in metrics_from_stats(deleted_block_stats(lay, block, n_blocks)).items():
                st[m][:] = v
        return store
    for start in range(0, n_blocks, chunk):
        cols = np.arange(start, min(n_blocks, start + chunk))
        drop = None
        if exact:  # sparse indicator of the deleted block per column
            mine = np.flatnonzero((block >= cols[0]) & (block <= cols[-1]))
            drop = sp.csr_matrix(
                (np.ones(mine.size), (mine, block[mine] - cols[0])), shape=(ncl, cols.size)
            )
        if linear or not exact:
            weights = (block[:, None] != cols[None, :]).astype(float)
        else:  # only the shape is read
            weights = np.broadcast_to(np.float64(0.0), (ncl, cols.size))
        _fill(store, layouts, start, weights, need, drop, counts=exact)
    return store


def measure(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    clusters: Sequence[object] | np.ndarray,
    groups: Mapping[str, Sequence[object] | np.ndarray],
    threshold: float,
    metrics: Sequence[str] | None = None,
    bootstrap: BootstrapConfig = BootstrapConfig(),  # noqa: B008 (frozen, immutable)
    min_evidence: MinEvidence = MinEvidence(),  # noqa: B008
    ece_bins: int = 10,
    permutations: int = 1000,
    aggregate_unknown: bool = False,
    versus_rest: bool | Collection[str] = (),
) -> MeasureResult:
    """Measure ``metrics`` overall and per group of every attribute in ``groups``.

    ``groups`` maps attribute (or intersection) name to one group label per row,
    as produced by ``encode_groups``; None/NaN/"" become ``"unknown"``.
    Predictions are ``score >= threshold``. ``versus_rest`` (True: every attribute) names the
    attributes whose gaps also carry each group minus every other row (``aggvalues.versus_rest``).
    """
    y, s, cl, ncl = validate_arrays(labels, scores, clusters)
    names = _check_options(metrics, threshold, ece_bins, permutations)
    attrs = encode_groups_input(groups, y.size)
    t, nb = float(threshold), int(ece_bins)
    codes = [a.codes for a in attrs] if bootstrap.stratify else []
    strata = cluster_strata(cl, ncl, y, codes, bootstrap.min_stratum_clusters)
    cl = contiguous_codes(strata, ncl)[cl]  # strata become contiguous code ranges
    zero = np.zeros(y.size, dtype=np.int64)
    rest = [
        rest_layout_rows(a.codes, len(a.labels))
        if versus_rest is True or (versus_rest and a.name in versus_rest)
        else None
        for a in attrs
    ]
    by_score = np.argsort(-s, kind="stable")  # shared by the layouts of all rows
    inputs = [(y, s, zero, cl, by_score)] + [
        (y, s, a.codes, cl, sort_order(s, a.codes, by_score)) for a in attrs
    ]
    n_segs = [1] + [len(a.labels) for a in attrs]
    for a, x in zip(attrs, rest, strict=True):  # the rest of each group, for differences
        if x is not None:
            r, seg = x
            inputs.append((y[r], s[r], seg, cl[r], None))
            n_segs.append(len(a.labels))
    need = frozenset(names)  # statistics no requested metric reads are skipped
    linear = not need.isdisjoint(LINEAR_METRICS)
    with np.errstate(invalid="ignore", divide="ignore"):
        layouts = [
            build_layout(yy, ss, gg, k, cc, ncl, t, nb, order, linear)
            for (yy, ss, gg, cc, order), k in zip(inputs, n_segs, strict=True)
        ]
        ones = np.ones((ncl, 1))
        pstats = [segment_stats(lay, ones, need) for lay in layouts]
        points = [metrics_from_stats(st) for st in pstats]
        ses = _standard_errors(layouts, bootstrap, need)
        se_points = [None if se is None else se(ones) for se in ses]
        boots, se_boots = _bootstrap(
            ncl, [m.size for m in strata], layouts, bootstrap, need, ses, inputs, t
        )
        _calibration(cl, ncl, y, codes, layouts, bootstrap, need, boots, se_boots)
        jacks = _jackknife(ncl, layouts, bootstrap, need)
    ctx = Context(
        y, s, cl, t, nb, names, bootstrap, min_evidence, int(permutations), aggregate_unknown
    )
    all_attrs = [EncodedAttribute("overall", ("all",), zero), *attrs]
    draws = [Draws(*d) for d in zip(points, boots, jacks, se_points, se_boots, strict=True)]
    rest_draws = iter(draws[len(all_attrs):])
    rests = [next(rest_draws) if x is not None else None for x in rest]
    k = len(all_attrs)
    cells = [
        build_cells(ctx, a, st, d)
        for a, st, d in zip(all_attrs, pstats[:k], draws[:k], strict=True)
    ]
    results = {
        a.name: build_attribute(ctx, a, i, cells[i + 1], draws[i + 1], draws[0], rests[i])
        for i, a in enumerate(attrs)
    }
    return MeasureResult(
        threshold=t,
        n=int(y.size),
        n_pos=int(y.sum()),
        n_neg=int(y.size - y.sum()),
        n_clusters=ncl,
        bootstrap=bootstrap,
        permutations=int(permutations),
        min_evidence=min_evidence,
        ece_bins=nb,
        aggregate_unknown=aggregate_unknown,
        overall=cells[0]["all"],
        attributes=results,
        calibration_overall=calibration_bins(ctx, zero, 1)[0],
        calibration={
            a.name: dict(zip(a.labels, calibration_bins(ctx, a.codes, len(a.labels)), strict=True))
            for a in attrs
        },
    )
