"""Comparison gates (issue 14): a candidate variant judged against its baseline on the paired
differences of ``fairgov.mitigate.compare``, with the interval rule of every other gate.

The compared number is the candidate's *worsening*: candidate − baseline for gaps and
lower-is-better metrics, baseline − candidate for higher-is-better metrics, |difference| for
metrics without a direction. With ``bound: upper`` a gate passes when the upper bound of the
worsening's paired interval is within ``max_worsening``, fails when the whole interval is
beyond it, and is inconclusive otherwise (fail closed); ``each_group`` judges every group and
reports the worst (any failing group fails, any undecided one leaves it inconclusive).
"""

from __future__ import annotations

from typing import Any

from fairgov.gates.compare import Limit, decide
from fairgov.gates.outcome import GateResult
from fairgov.metrics.registry import METRICS
from fairgov.reasons import Reason, text
from fairgov.vocabulary import AGGREGATE_METRICS

ORDER = {"fail": 0, "inconclusive": 1, "pass": 2}


def worsening(row: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(worsening, low, high) of a comparison row."""
    d, lo, hi = row.get("difference"), row.get("ci_low"), row.get("ci_high")
    if d is None:
        return None, None, None
    if row.get("statistic") == "gap" or row["metric"] in AGGREGATE_METRICS:
        return d, lo, hi
    hib = METRICS[row["metric"]].higher_is_better
    if hib is True:
        return -d, (None if hi is None else -hi), (None if lo is None else -lo)
    if hib is False:
        return d, lo, hi
    if lo is None or hi is None:
        return abs(d), None, None
    low = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    return abs(d), low, max(abs(lo), abs(hi))


def select_rows(gate: Any, comparison: dict[str, Any]) -> list[dict[str, Any]]:
    across = "×".join(gate.across) or None
    out = []
    for row in comparison.get("rows", []):
        if row["metric"] != gate.metric or row.get("across") != across:
            continue
        if (
            gate.statistic == "overall"
            and row["statistic"] == "overall"
            or gate.statistic in ("gap", "worst")
            and row["statistic"] == gate.statistic
            or gate.statistic == "group"
            and row["statistic"] == "group"
            and row.get("group") == gate.group
            or gate.statistic == "each_group"
            and row["statistic"] == "group"
        ):
            out.append(row)
    return out


def _title(gate: Any) -> str:
    what = {
        "overall": "overall",
        "group": f"group {gate.group}",
        "each_group": "every group's",
        "gap": "gap",
        "worst": "worst group",
    }[gate.statistic]
    across = f" across {' × '.join(gate.across)}" if gate.across else ""
    label = getattr(gate, "label", None)
    what = f"{label}: {what}" if label else what
    return (f"{gate.candidate} vs {gate.baseline}: {what} {gate.metric}{across} worsens by ≤ "
        f"{gate.max_worsening:g}")


def apply_comparison_gate(
    gate: Any,
    policy: str,
    source: dict[str, Any],
    comparisons: list[dict[str, Any]] | None,
    eval_error: str | None,
) -> GateResult:
    res = GateResult(
        id=gate.id,
        gate=gate.id,
        policy=policy,
        type="comparison",
        title=gate.title or _title(gate),
        severity=gate.severity,
        outcome="inconclusive",
        evaluation=gate.evaluation,
        source=source,
        metric=gate.metric,
        across="×".join(gate.across) or None,
        statistic=gate.statistic,
        group=gate.group,
        label=getattr(gate, "label", None),
        bound=gate.bound,
        limit=Limit("<=", gate.max_worsening),
        rationale=getattr(gate, "rationale", None),
        details={
            "candidate": gate.candidate,
            "baseline": gate.baseline,
            "compared": "worsening (paired difference)",
        },
    )
    if eval_error is not None:
        return res.with_(reasons=(Reason("evaluation-did-not-run", {"error": eval_error}),))
    comp = next(
        (
            c
            for c in comparisons or []
            if c.get("candidate") == gate.candidate and c.get("baseline") == gate.baseline
        ),
        None,
    )
    if comp is None or comp.get("status") != "ok":
        error = comp.get("error") if comp else None
        why = (
            text(error)
            if error
            else Reason("no-comparison", {"candidate": gate.candidate, "baseline": gate.baseline})
        )
        return res.with_(reasons=(Reason("undefined", {"reason": why}),))
    rows = select_rows(gate, comp)
    if not rows:
        why = Reason("no-comparison-row", {"metric": gate.metric, "statistic": gate.statistic})
        return res.with_(reasons=(Reason("undefined", {"reason": why}),))
    judged = []
    for row in rows:
        w, lo, hi = worsening(row)
        dec = decide(
            w, lo, hi, "<=", gate.max_worsening, "point" if gate.bound == "point" else "upper"
        )
        judged.append(
            (ORDER[dec.outcome], -(hi if hi is not None else float("inf")), row, w, lo, hi, dec)
        )
    judged.sort(key=lambda j: (j[0], j[1]))
    _, _, row, w, lo, hi, dec = judged[0]
    details = {
        **res.details,
        "baseline_value": row.get("baseline"),
        "candidate_value": row.get("candidate"),
        "difference": row.get("difference"),
        "rows": len(rows),
    }
    if w is None:
        why = Reason("not-in-both-arms", {"key": row["key"]})
        reasons: tuple[Reason, ...] = (Reason("undefined", {"reason": why}),)
    else:
        reasons = dec.reasons + (
            (Reason("in-group", {"group": row["group"]}),) if row.get("group") else ()
        )
    return res.with_(
        outcome=dec.outcome,
        value=w,
        ci_low=lo,
        ci_high=hi,
        compared=dec.compared,
        group=row.get("group") or gate.group,
        details=details,
        reasons=reasons,
    )


def comparison_gate_results(
    cp: Any, policy_ref: str, evaluations: dict[str, Any]
) -> list[tuple[GateResult, Any]]:
    """Every comparison gate of one policy, with its gate spec (for finalize)."""
    entry = cp.get(policy_ref)
    out = []
    for i, gate in enumerate(getattr(entry.model, "comparisons", None) or []):
        line, col = entry.doc.position(f"/comparisons/{i}")
        source = {"file": entry.doc.relpath, "line": line, "col": col}
        ev = evaluations.get(gate.evaluation)
        error = "evaluation was not run" if ev is None else ev.error
        label = getattr(gate, "label", None)
        comparisons = (
            getattr(ev, "comparisons", None)
            if label is None
            else (getattr(ev, "label_comparisons", None) or {}).get(label)
        )
        out.append(
            (
                apply_comparison_gate(gate, policy_ref, source, comparisons, error),
                gate,
            )
        )
    return out
