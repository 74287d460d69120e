"""One check on one period -> a period outcome: ok / breach / inconclusive (pending is decided
by the caller). Metric checks use fairgov.metrics' result and the Policy gates' lookup and
decision rule; drift checks use Wilson intervals (computed here as scipy's
``binomtest(...).proportion_ci`` computes them) or a two-sample KS test (scipy, imported only
when a score-drift check runs: ``scipy.stats`` costs ~1.5 s to import).

Every outcome says why as `reasons` (fairgov.reasons.Reason records: code, params, English
text; monitoring.json v3) beside `reason`, their English text joined by "; "."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import sqrt
from typing import Any

import numpy as np
from scipy.special import ndtri

from fairgov.gates.compare import decide
from fairgov.gates.metric_gates import apply_metric_gate
from fairgov.gates.outcome import GateResult
from fairgov.monitor.frames import Frame
from fairgov.reasons import Reason, join
from fairgov.results import Measure

OUTCOME = {"pass": "ok", "fail": "breach", "inconclusive": "inconclusive"}


def _record(
    status: str,
    value: float | None = None,
    lo: float | None = None,
    hi: float | None = None,
    compared: float | None = None,
    reasons: Sequence[Reason] = (),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "status": status,
        "value": value,
        "ci_low": lo,
        "ci_high": hi,
        "compared": compared,
        "reason": join(reasons),
        "reasons": [r.to_dict() for r in reasons],
        **extra,
    }


def reasons_of(record: Mapping[str, Any]) -> tuple[Reason, ...]:
    """The structured reasons of an outcome record; one `text` reason for a record stored
    before they existed (monitoring.json v2 and its store), so its English text is kept."""
    recs = record.get("reasons")
    if recs:
        return tuple(Reason.from_dict(r) for r in recs)
    return (Reason("text", {"text": str(record.get("reason") or "")}),)


def upgraded(record: dict[str, Any]) -> dict[str, Any]:
    """An outcome record with `reasons` (a stored v2 record gains them, from its text)."""
    if "reasons" in record:
        return record
    return {**record, "reasons": [r.to_dict() for r in reasons_of(record)]}


def _text_reasons(text: str, records: Any) -> tuple[Reason, ...]:
    """A stat's or cell's structured reasons when they say `text`, else `text` as one reason."""
    parsed = tuple(Reason.from_dict(r) for r in records or ())
    return parsed if parsed and join(parsed) == text else (Reason("text", {"text": text}),)


def _limit(check: Any) -> tuple[str, float]:
    return ("<=", check.max) if check.max is not None else (">=", check.min)


def metric_outcome(check: Any, measure: dict[str, Any]) -> dict[str, Any]:
    if check.statistic == "overall":
        return _overall(check, measure)
    base = GateResult(
        id="", gate="", policy="", type="metric", title="", severity=check.severity, outcome=""
    )
    res = apply_metric_gate(check, base, Measure.model_validate(measure), None)
    return _record(
        OUTCOME[res.outcome],
        res.value,
        res.ci_low,
        res.ci_high,
        res.compared,
        res.reasons,
        group=(res.details or {}).get("group"),
    )


def _overall(check: Any, measure: dict[str, Any]) -> dict[str, Any]:
    cell = measure["overall"]
    stat = cell["metrics"].get(check.metric)
    if stat is None:
        return _record(
            "inconclusive", reasons=[Reason("metric-not-computed", {"metric": check.metric})]
        )
    if cell.get("evidence_reason") or stat["value"] is None:
        if cell.get("evidence_reason"):
            parts = _text_reasons(cell["evidence_reason"], cell.get("evidence_reasons"))
        elif stat.get("reason"):
            parts = _text_reasons(stat["reason"], stat.get("reasons"))
        else:
            parts = (Reason("value-undefined"),)
        return _record("inconclusive", reasons=[Reason("evidence-too-thin", {"cells": parts})])
    op, limit = _limit(check)
    d = decide(stat["value"], stat["ci_low"], stat["ci_high"], op, limit, check.bound)
    return _record(
        OUTCOME[d.outcome], stat["value"], stat["ci_low"], stat["ci_high"], d.compared, d.reasons
    )


def wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """Two-sided Wilson score interval of k successes in n >= 1 trials: the same arithmetic
    as scipy's ``binomtest(k, n).proportion_ci(level, method="wilson")`` (Newcombe 1998),
    so equal values (tests/monitor/test_monitor_wilson.py), without importing scipy.stats."""
    k, n = int(k), int(n)
    p = k / n
    z = float(ndtri(0.5 + 0.5 * level))
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * sqrt(4 * n * p * (1 - p) + z**2)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return float(lo), float(hi)


def _coded(frame: Frame, across: str) -> tuple[np.ndarray, np.ndarray]:
    """(each row's index into the values, the distinct group labels) of attribute `across`:
    the frame's own codes (a fetched log), else found once from its labels (a reference)."""
    if across in frame.codes:
        return frame.codes[across]
    values, index = np.unique(frame.groups[across].astype(str), return_inverse=True)
    return index.ravel(), values


def _groups(frame: Frame, across: str | None) -> list[tuple[str, np.ndarray]]:
    """(group, row mask) per group present, by name, "unknown" left out; integer comparisons
    on the rows, strings only for the few distinct values."""
    if not across:
        return [("all", np.ones(frame.n, dtype=bool))]
    index, values = _coded(frame, across)
    names = values.astype(str)
    return [
        (g, (names == g)[index])  # a gather from the few labels: no per-row set test
        for g in sorted(_tally(index, values))
        if g != "unknown"
    ]


def _counts(frame: Frame, across: str) -> dict[str, int]:
    """Rows per group label of attribute `across` (groups without rows left out)."""
    return _tally(*_coded(frame, across))


def _tally(index: np.ndarray, values: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v, c in zip(
        values.tolist(), np.bincount(index, minlength=len(values)).tolist(), strict=True
    ):
        if c:
            counts[str(v)] = counts.get(str(v), 0) + c
    return counts


def _combine(per_group: list[dict[str, Any]], min_n: int) -> dict[str, Any]:
    """Breach if any group breaches (the worst is reported), else inconclusive if any is,
    else ok."""
    if not per_group:
        return _record("inconclusive", reasons=[Reason("no-studies")])
    order = {"breach": 0, "inconclusive": 1, "ok": 2}
    worst = min(per_group, key=lambda r: (order[r["status"]], -(r.get("excess") or 0.0)))
    return {**worst, "groups": per_group}


def composition_outcome(
    check: Any, frame: Frame, intended: dict[str, float], level: float, min_n: int
) -> dict[str, Any]:
    counts = _counts(frame, check.across)
    n = sum(c for g, c in counts.items() if g != "unknown")
    out = []
    for group, share in sorted(intended.items()):
        k = counts.get(group, 0)
        if n == 0 or n < min_n:
            out.append(
                _record(
                    "inconclusive",
                    group=group,
                    n=n,
                    reasons=[Reason("too-few-studies", {"count": n, "need": max(min_n, 1)})],
                )
            )
            continue
        p = k / n
        lo, hi = wilson(k, n, level)
        dev_lo, dev_hi = max(0.0, lo - share, share - hi), max(abs(hi - share), abs(lo - share))
        d = decide(abs(p - share), dev_lo, dev_hi, "<=", check.max_deviation, check.bound)
        said = Reason("share-vs-intended", {"share": p, "low": lo, "high": hi, "intended": share})
        out.append(
            _record(
                OUTCOME[d.outcome],
                abs(p - share),
                dev_lo,
                dev_hi,
                d.compared,
                (said, *d.reasons),
                group=group,
                n=n,
                share=p,
                share_low=lo,
                share_high=hi,
                intended=share,
                excess=abs(p - share) - check.max_deviation,
            )
        )
    return _combine(out, min_n)


def rate_outcome(check: Any, frame: Frame, level: float, min_n: int) -> dict[str, Any]:
    values = frame.flag.astype(float) if check.type == "flag_rate" else frame.override
    out = []
    for group, mask in _groups(frame, check.across):
        v = values[mask]
        v = v[~np.isnan(v)]
        if v.size == 0 or v.size < min_n:
            out.append(
                _record(
                    "inconclusive",
                    group=group,
                    n=int(v.size),
                    reasons=[
                        Reason("too-few-logged", {"count": int(v.size), "need": max(min_n, 1)})
                    ],
                )
            )
            continue
        k = int(v.sum())
        lo, hi = wilson(k, v.size, level)
        res = []
        for op, limit in (("<=", check.max), (">=", check.min)):
            if limit is not None:
                res.append((decide(k / v.size, lo, hi, op, limit, check.bound), op, limit))
        d, op, limit = min(
            res, key=lambda r: {"fail": 0, "inconclusive": 1, "pass": 2}[r[0].outcome]
        )
        excess = (k / v.size - limit) if op == "<=" else (limit - k / v.size)
        out.append(
            _record(
                OUTCOME[d.outcome],
                k / v.size,
                lo,
                hi,
                d.compared,
                d.reasons,
                group=group,
                n=int(v.size),
                op=op,
                limit=limit,
                excess=excess,
            )
        )
    return _combine(out, min_n)


def score_shift_outcome(check: Any, frame: Frame, reference: Frame, min_n: int) -> dict[str, Any]:
    out = []
    ref_groups = dict(_groups(reference, check.across))
    for group, mask in _groups(frame, check.across):
        cur, ref = (
            frame.score[mask],
            reference.score[ref_groups[group]] if group in ref_groups else np.empty(0),
        )
        if cur.size < max(min_n, 1) or ref.size == 0:
            out.append(
                _record(
                    "inconclusive",
                    group=group,
                    n=int(cur.size),
                    reasons=[
                        Reason(
                            "too-few-to-test", {"count": int(cur.size), "reference": int(ref.size)}
                        )
                    ],
                )
            )
            continue
        from scipy.stats import ks_2samp  # lazily: scipy.stats is slow to import

        res = ks_2samp(cur, ref)
        dist, p = float(res.statistic), float(res.pvalue)
        breach = dist > check.max_distance and p < check.alpha
        out.append(
            _record(
                "breach" if breach else "ok",
                dist,
                None,
                None,
                dist,
                [
                    Reason(
                        "ks-distance",
                        {
                            "distance": dist,
                            "limit": check.max_distance,
                            "p": p,
                            "alpha": check.alpha,
                        },
                    )
                ],
                group=group,
                n=int(cur.size),
                p_value=p,
                excess=dist - check.max_distance,
            )
        )
    return _combine(out, min_n)
