"""Metric gates on multilabel and multiclass evaluations.

A gate with `label: <name>` checks that label (or class); `label: macro` checks a multiclass
task-level metric (`metric: auroc` = the macro AUROC, `metric: balanced_accuracy` = the
task's balanced accuracy, the mean per-class recall of the argmax decision), per group with its
percentile interval from the task's patient bootstrap; a gate without `label:` applies to every
label of the evaluation, one gate row per label, whose id and title name the label.
"""

from __future__ import annotations

from typing import Any

from fairgov.gates.compare import decide_limit
from fairgov.gates.metric_gates import apply_metric_gate, framed, undefined_reasons
from fairgov.gates.outcome import GateResult
from fairgov.reasons import Reason

__all__ = ["MACRO", "MACRO_METRICS", "gate_rows", "label_row"]

MACRO = "macro"
#: gate metric -> task-level metric of `label: macro`
MACRO_METRICS = {"auroc": "macro_auroc", "balanced_accuracy": "balanced_accuracy"}


def gate_rows(gate: Any, base: GateResult, task_type: str, ev: Any) -> list[GateResult]:
    """The gate's result rows on one evaluation (`ev`: its EvalOutcome)."""
    label = getattr(gate, "label", None)
    if task_type == "binary":
        return [apply_metric_gate(gate, base, ev.measure, ev.error)]
    names = [label] if label is not None else list(ev.labels) or [None]
    out = []
    for name in names:
        row = label_row(base, name, named=label is not None)
        if name == MACRO:
            out.append(_macro(gate, row, ev))
            continue
        measure = ev.labels.get(name) if name else None
        error = ev.error or (None if measure is not None else f"label {name!r} was not measured")
        out.append(apply_metric_gate(gate, row, measure, error))
    return out


def label_row(base: GateResult, name: str | None, named: bool) -> GateResult:
    """A gate's row on one label: the id names the label; the title too unless the gate did."""
    return base.with_(
        id=f"{base.id}[{name}]" if name else base.id,
        label=name,
        title=f"{base.title} ({name})" if name and not named else base.title,
    )


def _macro(gate: Any, base: GateResult, ev: Any) -> GateResult:
    across, limit, base = framed(gate, base)
    summary = ev.task_metrics
    if summary is None:
        return base.with_(
            outcome="inconclusive",
            reasons=(
                Reason("evaluation-did-not-run", {"error": ev.error or "no task-level metrics"}),
            ),
        )
    metric = MACRO_METRICS.get(gate.metric)
    block = (summary.get("attributes") or {}).get(across)
    if metric is None:
        return base.with_(
            outcome="inconclusive",
            reasons=(Reason("metric-not-computed", {"metric": gate.metric}),),
        )
    if block is None:
        return base.with_(
            outcome="inconclusive",
            reasons=(Reason("attribute-not-measured", {"attribute": across}),),
        )
    stat = _stat(block, metric, gate.statistic, gate.group)
    if stat is None:
        reason = (
            Reason("group-not-found", {"group": gate.group, "attribute": across})
            if gate.statistic == "group"
            else Reason(
                "statistic-unavailable", {"statistic": gate.statistic, "metric": gate.metric}
            )
        )
        return base.with_(outcome="inconclusive", reasons=(reason,))
    value, lo, hi = stat.get("value"), stat.get("ci_low"), stat.get("ci_high")
    base = base.with_(
        value=value,
        ci_low=lo,
        ci_high=hi,
        details={
            "task_metric": metric,
            "group": stat.get("group"),
            "interval": f"percentile, patient bootstrap ({summary.get('resamples')} resamples)",
        },
    )
    if value is None:
        return base.with_(
            outcome="inconclusive",
            reasons=undefined_reasons(stat),
        )
    decision = decide_limit(value, lo, hi, limit, gate.bound)
    return base.with_(
        outcome=decision.outcome, compared=decision.compared, reasons=decision.reasons
    )


def _stat(
    block: dict[str, Any], metric: str, statistic: str, group: str | None
) -> dict[str, Any] | None:
    groups = block.get("groups") or {}
    if statistic == "gap":
        return (block.get("gaps") or {}).get(metric)
    if statistic == "group":
        cell = groups.get(group or "")
        return None if cell is None else cell["metrics"][metric]
    if statistic == "worst":
        cells = [(g, c["metrics"][metric]) for g, c in groups.items() if g != "unknown"]
        if any(s.get("value") is None for _, s in cells) or not cells:
            why = Reason("group-value-undefined")
            return {"value": None, "reason": why.text, "reasons": [why.to_dict()]}
        g, s = min(cells, key=lambda gc: gc[1]["value"])
        return {**s, "group": g}
    return None
