"""Statistical gates: look up the statistic in an evaluation's measured results and decide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairgov.gates.compare import Limit, decide_limit
from fairgov.gates.outcome import GateResult
from fairgov.gates.pairwise import holm_decision
from fairgov.metrics.simultaneous import p_pass
from fairgov.reasons import Reason, is_undefined, text, undefined
from fairgov.results import Aggregate, Measure
from fairgov.spec.policy import EACH, REST
from fairgov.vocabulary import AGGREGATE_METRICS

STAT_LABEL = {
    "gap": "gap",
    "worst": "worst group",
    "ratio": "ratio",
    "to_overall": "largest difference to overall",
    "group": "group",
    "difference": "difference",
}
OC_METHOD = (
    "share of centred bootstrap resamples (true gap 0 at this sample size) whose simultaneous "
    "upper bound meets the limit"
)


def _plain(model: Any) -> dict[str, Any]:
    """A stat of the typed measure as the record a gate keeps (the keys results.json has)."""
    return model.model_dump(mode="json", exclude_unset=True)


def stat_reasons(stat: Mapping[str, Any]) -> tuple[Reason, ...]:
    """A stat record's structured reasons (its text as one reason for a file older than 1.4)."""
    records = stat.get("reasons") or []
    if records:
        return tuple(Reason.from_dict(r) for r in records)
    return (text(stat["reason"]),) if stat.get("reason") else ()


def undefined_reasons(stat: Mapping[str, Any]) -> tuple[Reason, ...]:
    """Why a gate's statistic is undefined: the stat's own reasons when they say so."""
    why = stat_reasons(stat)
    if is_undefined(why):
        return why
    return (Reason("undefined", {"reason": why or (Reason("no-value"),)}),)


def _neg(x: float | None) -> float | None:
    return None if x is None else -x


def _oriented(d: Any, group: str | None, reference: str | None) -> dict[str, Any] | None:
    """The record of `group - reference` from a stored difference (a reversed pair is negated)."""
    if (d.group, d.reference) == (group, reference):
        return _plain(d)
    if (d.group, d.reference) == (reference, group):
        return {
            "group": group,
            "reference": reference,
            "value": _neg(d.value),
            "ci_low": _neg(d.ci_high),
            "ci_high": _neg(d.ci_low),
            "sim_low": _neg(d.sim_high),
            "sim_high": _neg(d.sim_low),
            "se": d.se,
        }
    return None


def _family(gap: Aggregate, reference: str | None) -> list[dict[str, Any]]:
    """Every group minus `reference` (`rest`: the groups' differences to every other row)."""
    if reference == REST:
        return [_plain(d) for d in gap.versus_rest]
    out = []
    for name in gap.included:
        if name != reference:
            rec = next(
                (r for d in gap.differences if (r := _oriented(d, name, reference)) is not None),
                None,
            )
            if rec is not None:
                out.append(rec)
    return out


def _each(gap: Aggregate, reference: str | None, caps_above: bool) -> dict[str, Any] | None:
    """`group: each`: the extreme difference on the side of the limit, with the interval of that
    extreme formed from the simultaneous intervals (a fair family fails at most 1 - level)."""
    family = _family(gap, reference)
    if not family or any(r.get("sim_low") is None or r.get("value") is None for r in family):
        return None
    pick = max if caps_above else min
    worst = pick(family, key=lambda r: r["value"])
    simultaneous = (
        "over the groups"
        if reference == REST
        else "over all group pairs (conservative for this family)"
    )
    return {
        "group": worst["group"],
        "reference": reference,
        "value": worst["value"],
        "ci_low": pick(r["sim_low"] for r in family),
        "ci_high": pick(r["sim_high"] for r in family),
        "family": family,
        "interval": f"max-t simultaneous {simultaneous}",
    }


def _difference(
    aggregate: Mapping[str, Aggregate],
    group: str | None,
    reference: str | None,
    caps_above: bool = True,
) -> dict[str, Any] | None:
    """`group - reference` from the gap's signed differences (`rest`: its differences to the rest;
    `group: each`: the family of every group against the reference)."""
    gap = aggregate.get("gap")
    if gap is None:
        return None
    if group == EACH:
        return _each(gap, reference, caps_above)
    stored = gap.versus_rest if reference == REST else gap.differences
    for d in stored:
        rec = _oriented(d, group, reference)
        if rec is not None:
            return {**rec, "interval": gap.interval}
    return None


def lookup(
    measure: Measure,
    metric: str,
    across: str,
    statistic: str,
    group: str | None,
    reference: str | None = None,
    caps_above: bool = True,
) -> tuple[dict[str, Any] | None, Reason | None]:
    """Return the `{value, ci_low, ci_high, reason, ...}` record a gate compares, or a reason."""
    attribute = measure.attributes.get(across)
    if attribute is None:
        return None, Reason("attribute-not-measured", {"attribute": across})
    if statistic == "group":
        cell = attribute.groups.get(group or "")
        if cell is None:
            return None, Reason("group-not-found", {"group": group, "attribute": across})
        stat = cell.metrics.get(metric)
        if stat is None:
            return None, Reason("metric-not-computed", {"metric": metric})
        return {
            **_plain(stat),
            "group": group,
            "n": cell.n,
            "n_pos": cell.n_pos,
            "n_neg": cell.n_neg,
        }, None
    aggregate = attribute.aggregates.get(metric)
    if aggregate is None:
        return None, Reason("metric-not-computed-for", {"metric": metric, "attribute": across})
    if statistic == "difference":
        diff = (
            _difference(aggregate, group, reference, caps_above)
            if isinstance(aggregate, Mapping)
            else None
        )
        if diff is None:
            return None, Reason(
                "difference-unavailable", {"group": group, "reference": reference, "metric": metric}
            )
        return diff, None
    chosen = aggregate.get(statistic) if isinstance(aggregate, Mapping) else aggregate
    if chosen is None:
        return None, Reason("statistic-unavailable", {"statistic": statistic, "metric": metric})
    return _plain(chosen), None


def thin_groups(
    measure: Measure,
    metric: str,
    across: str,
    statistic: str,
    group: str | None,
    reference: str | None = None,
) -> list[Reason]:
    """Groups whose cell for `metric` is undefined (evidence too thin): they make a gate
    inconclusive."""
    block = measure.attributes.get(across)
    groups = block.groups if block is not None else {}
    names = [group] if statistic == "group" else [g for g in groups if g != "unknown"]
    if statistic == "difference":
        names = (
            [g for g in groups if g != "unknown"]
            if EACH in (group, reference) or reference == REST
            else [group, reference]
        )
    base = metric if metric not in AGGREGATE_METRICS else None
    out = []
    for name in names:
        cell = groups.get(name or "")
        if cell is None:
            continue
        metrics = [base] if base else (["tpr"] if metric == "equal_opportunity" else ["tpr", "fpr"])
        for m in metrics:
            stat = cell.metrics.get(m)
            if stat is not None and stat.value is None:
                why = stat_reasons(_plain(stat)) or (undefined(),)
                out.append(Reason("thin-cell", {"group": name, "reason": why}))
    return out


def framed(gate: Any, base: GateResult) -> tuple[str, Limit, GateResult]:
    """A metric gate's attribute key, its limit, and its row carrying what the gate asks."""
    across = "×".join(gate.across)
    limit = Limit("<=", gate.max) if gate.max is not None else Limit(">=", gate.min)
    row = base.with_(
        metric=gate.metric,
        across=across,
        statistic=gate.statistic,
        group=gate.group,
        bound=gate.bound,
        limit=limit,
    )
    return across, limit, row


def apply_metric_gate(
    gate: Any, base: GateResult, measure: Measure | None, eval_error: str | None
) -> GateResult:
    across, limit, base = framed(gate, base)
    if measure is None:
        return base.with_(
            outcome="inconclusive",
            reasons=(Reason("evaluation-did-not-run", {"error": eval_error or "unknown error"}),),
        )
    reference = getattr(gate, "reference", None)
    stat, missing = lookup(
        measure, gate.metric, across, gate.statistic, gate.group, reference, limit.caps_above
    )
    if stat is not None and getattr(gate, "estimator", "plug_in") == "debiased":
        stat = stat.get("debiased") or None
        missing = Reason("debiased-unavailable")
    if stat is None:
        return base.with_(outcome="inconclusive", reasons=(missing,) if missing is not None else ())
    value, ci_low, ci_high = stat.get("value"), stat.get("ci_low"), stat.get("ci_high")
    details = {
        k: v
        for k, v in stat.items()
        if k not in ("value", "ci_low", "ci_high", "p_value", "fair_upper", "reasons")
    }
    if getattr(gate, "estimator", "plug_in") == "debiased":
        details["estimator"] = "debiased"
    oc = operating_characteristics(stat, limit, gate.bound)
    if oc is not None:
        details["operating_characteristics"] = oc
    base = base.with_(
        value=value, ci_low=ci_low, ci_high=ci_high, p_value=stat.get("p_value"), details=details
    )
    thin = thin_groups(measure, gate.metric, across, gate.statistic, gate.group, reference)
    if thin:
        return base.with_(
            outcome="inconclusive", reasons=(Reason("evidence-too-thin", {"cells": tuple(thin)}),)
        )
    if getattr(gate, "multiplicity", "max-t") == "holm" and value is not None:
        return _holm_gate(base, measure, gate, across, limit)
    decision = decide_limit(value, ci_low, ci_high, limit, gate.bound)
    reasons = decision.reasons if value is not None else undefined_reasons(stat)
    return base.with_(outcome=decision.outcome, compared=decision.compared, reasons=reasons)


def _holm_gate(
    base: GateResult, measure: Measure, gate: Any, across: str, limit: Limit
) -> GateResult:
    """`multiplicity: holm`: per-pair tests of the gap's signed differences (``pairwise``)."""
    aggregate = measure.attributes[across].aggregates[gate.metric]
    gap = aggregate.get("gap") if isinstance(aggregate, Mapping) else aggregate
    pairs = list(gap.differences) if gap is not None else []
    outcome, compared, reasons, extra = holm_decision(pairs, limit.value, measure.bootstrap.level)
    details = {k: v for k, v in base.details.items() if k != "operating_characteristics"}
    return base.with_(
        outcome=outcome, compared=compared, reasons=reasons, details={**details, **extra}
    )


def operating_characteristics(
    stat: dict[str, Any], limit: Limit, bound: str
) -> dict[str, Any] | None:
    """P(pass) of an upper-bounded gap gate if the model were truly fair, at this evaluation's
    size."""
    quantiles = stat.get("fair_upper")
    if not quantiles or not limit.caps_above or limit.bound_side(bound) != "upper":
        return None
    p = p_pass(quantiles, limit.value)
    return {
        "p_pass_if_fair": p,
        "method": OC_METHOD,
        "note": None
        if p >= 0.5
        else "at this sample size a truly fair model would rarely pass this gate",
    }
