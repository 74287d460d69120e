"""Statistical gates: look up the statistic in an evaluation's measured results and decide."""

from __future__ import annotations

from typing import Any

from fairgov.gates.compare import decide
from fairgov.gates.outcome import GateResult
from fairgov.metrics.simultaneous import p_pass
from fairgov.vocabulary import AGGREGATE_METRICS

STAT_LABEL = {"gap": "gap", "worst": "worst group", "ratio": "ratio", "to_overall": "largest difference to overall",
              "group": "group", "difference": "difference"}
OC_METHOD = ("share of centred bootstrap resamples (true gap 0 at this sample size) whose simultaneous "
             "upper bound meets the limit")


def _difference(aggregate: dict[str, Any], group: str | None, reference: str | None) -> dict[str, Any] | None:
    """`group - reference` from the gap's signed differences (a reversed pair is negated)."""
    for d in (aggregate.get("gap") or {}).get("differences") or []:
        if (d["group"], d["reference"]) == (group, reference):
            return {**d, "interval": aggregate["gap"].get("interval")}
        if (d["group"], d["reference"]) == (reference, group):
            def neg(x: float | None) -> float | None:
                return None if x is None else -x
            return {"group": group, "reference": reference, "value": neg(d["value"]), "ci_low": neg(d["ci_high"]),
                    "ci_high": neg(d["ci_low"]), "sim_low": neg(d["sim_high"]), "sim_high": neg(d["sim_low"])}
    return None


def lookup(measure: dict[str, Any], metric: str, across: str, statistic: str, group: str | None,
           reference: str | None = None) -> tuple[dict[str, Any] | None, str]:
    """Return the `{value, ci_low, ci_high, reason, ...}` cell a gate compares, or a reason."""
    attribute = measure.get("attributes", {}).get(across)
    if attribute is None:
        return None, f"attribute {across!r} was not measured"
    if statistic == "group":
        cell = attribute.get("groups", {}).get(group or "")
        if cell is None:
            return None, f"group {group!r} does not occur in {across!r}"
        stat = cell.get("metrics", {}).get(metric)
        return (None, f"metric {metric!r} was not computed") if stat is None else (_with_counts(stat, cell, group), "")
    aggregate = attribute.get("aggregates", {}).get(metric)
    if aggregate is None:
        return None, f"metric {metric!r} was not computed for {across!r}"
    if statistic == "difference":
        diff = _difference(aggregate, group, reference)
        if diff is None:
            return None, f"difference {group} − {reference} of {metric!r} is not available"
        return diff, ""
    stat = aggregate.get(statistic) if statistic in aggregate else (aggregate if "value" in aggregate else None)
    if stat is None:
        return None, f"statistic {statistic!r} of {metric!r} is not available"
    return stat, ""


def _with_counts(stat: dict[str, Any], cell: dict[str, Any], group: str | None) -> dict[str, Any]:
    return {**stat, "group": group, "n": cell.get("n"), "n_pos": cell.get("n_pos"), "n_neg": cell.get("n_neg")}


def thin_groups(measure: dict[str, Any], metric: str, across: str, statistic: str, group: str | None,
                reference: str | None = None) -> list[str]:
    """Groups whose cell for `metric` is undefined (evidence too thin): they make a gate inconclusive."""
    groups = measure.get("attributes", {}).get(across, {}).get("groups", {})
    names = [group] if statistic == "group" else [g for g in groups if g != "unknown"]
    if statistic == "difference":
        names = [group, reference]
    base = metric if metric not in AGGREGATE_METRICS else None
    out = []
    for name in names:
        cell = groups.get(name or "")
        if cell is None:
            continue
        metrics = [base] if base else (["tpr"] if metric == "equal_opportunity" else ["tpr", "fpr"])
        for m in metrics:
            stat = cell.get("metrics", {}).get(m)
            if stat is not None and stat.get("value") is None:
                out.append(f"{name}: {stat.get('reason') or 'undefined'}")
    return out


def apply_metric_gate(gate: Any, base: GateResult, measure: dict[str, Any] | None, eval_error: str | None) -> GateResult:
    across = "×".join(gate.across)
    op, limit = ("<=", gate.max) if gate.max is not None else (">=", gate.min)
    base.metric, base.across, base.statistic, base.group = gate.metric, across, gate.statistic, gate.group
    base.bound, base.op, base.threshold = gate.bound, op, limit
    if measure is None:
        base.outcome, base.reason = "inconclusive", f"evaluation did not run: {eval_error or 'unknown error'}"
        return base
    reference = getattr(gate, "reference", None)
    stat, missing = lookup(measure, gate.metric, across, gate.statistic, gate.group, reference)
    if stat is not None and getattr(gate, "estimator", "plug_in") == "debiased":
        stat = stat.get("debiased") or None
        missing = "the debiased ECE is not reported for this statistic"
    if stat is None:
        base.outcome, base.reason = "inconclusive", missing
        return base
    base.value, base.ci_low, base.ci_high = stat.get("value"), stat.get("ci_low"), stat.get("ci_high")
    base.p_value = stat.get("p_value")
    base.details = {k: v for k, v in stat.items() if k not in ("value", "ci_low", "ci_high", "p_value", "fair_upper")}
    if getattr(gate, "estimator", "plug_in") == "debiased":
        base.details["estimator"] = "debiased"
    oc = operating_characteristics(stat, op, limit, gate.bound)
    if oc is not None:
        base.details["operating_characteristics"] = oc
    thin = thin_groups(measure, gate.metric, across, gate.statistic, gate.group, reference)
    if thin:
        base.outcome = "inconclusive"
        base.reason = "evidence too thin: " + "; ".join(thin)
        return base
    decision = decide(base.value, base.ci_low, base.ci_high, op, limit, gate.bound)
    base.outcome, base.compared = decision.outcome, decision.compared
    base.reason = decision.reason if base.value is not None else f"undefined: {stat.get('reason') or 'no value'}"
    return base


def operating_characteristics(stat: dict[str, Any], op: str, limit: float, bound: str) -> dict[str, Any] | None:
    """P(pass) of an upper-bounded gap gate if the model were truly fair, at this evaluation's size."""
    quantiles = stat.get("fair_upper")
    if not quantiles or op != "<=" or bound not in ("conservative", "upper"):
        return None
    p = p_pass(quantiles, limit)
    return {"p_pass_if_fair": p, "method": OC_METHOD,
            "note": None if p >= 0.5 else "at this sample size a truly fair model would rarely pass this gate"}
