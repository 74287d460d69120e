"""Stage gate: evaluated results + documents -> one GateResult per gate (and evaluation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fairgov.diagnostics import Diagnostic
from fairgov.gates import doc_gates
from fairgov.gates.comparison_gates import comparison_gate_results
from fairgov.gates.metric_gates import STAT_LABEL
from fairgov.gates.outcome import STATUS_ORDER, GateResult, finalize
from fairgov.gates.task_gates import gate_rows
from fairgov.reasons import Reason
from fairgov.results import Measure
from fairgov.validate.policies import EffectivePolicy, SourcedGate, applied_policy_refs, compose
from fairgov.validate.project import CompiledProject
from fairgov.validate.semantic import evaluations_for_gate, subgroup_name


@dataclass
class EvalOutcome:
    """What the gate stage needs to know about one evaluation."""

    ref: str
    measure: Measure | None
    error: str | None = None
    threshold: float | None = None
    subgroups: set[str] = field(default_factory=set)
    #: mitigation variants {id: record} and their paired comparisons (fairgov.pipeline.variants)
    variants: dict[str, Any] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    #: a multilabel / multiclass task: the measure of each label or class, and the multiclass
    #: task-level summary (macro AUROC, balanced accuracy); `measure` is then None
    labels: dict[str, Measure] = field(default_factory=dict)
    task_metrics: dict[str, Any] | None = None
    #: per endpoint, the paired comparisons of its group_thresholds variants (schema 1.5)
    label_comparisons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.measure, dict):  # a measure read back from results.json or the cache
            self.measure = Measure.model_validate(self.measure)
        self.labels = {k: Measure.model_validate(v) if isinstance(v, dict) else v
                       for k, v in self.labels.items()}


@dataclass
class GateReport:
    results: list[GateResult]
    waivers: list[dict[str, Any]]
    diagnostics: list[Diagnostic]


def run_gates(
    cp: CompiledProject,
    evaluations: dict[str, EvalOutcome],
    coverage: dict[str, dict[str, Any]],
    build_date: dt.date,
) -> GateReport:
    results: list[GateResult] = []
    waivers: list[dict[str, Any]] = []
    diags: list[Diagnostic] = []
    for ref in applied_policy_refs(cp):
        policy, pdiags = compose(cp, ref)
        diags.extend(pdiags)
        active = _waivers(policy, build_date, waivers, diags, cp)
        policy_results = [
            r for sg in policy.gates for r in _apply(cp, policy, sg, evaluations, coverage)
        ]
        if policy.holm:
            policy_results = _holm(policy_results, policy.alpha)
        for raw, sg in policy_results_with_gate(policy_results, policy):
            inconclusive_blocks = getattr(sg.gate, "inconclusive_blocks", True)
            result = finalize(raw, inconclusive_blocks, active.get(sg.gate.id))
            diags.extend(_cannot_pass(result, sg))
            results.append(result)
        for cresult, cgate in comparison_gate_results(cp, ref, evaluations):
            results.append(finalize(cresult, cgate.inconclusive_blocks, active.get(cgate.id)))
    results.sort(key=lambda r: (STATUS_ORDER[r.status], not r.blocking, r.policy, r.id))
    return GateReport(results, waivers, diags)


def policy_results_with_gate(
    results: list[GateResult], policy: EffectivePolicy
) -> list[tuple[GateResult, SourcedGate]]:
    by_id = {sg.gate.id: sg for sg in policy.gates}
    return [(r, by_id[r.gate]) for r in results]


def _waivers(
    policy: EffectivePolicy,
    today: dt.date,
    out: list[dict[str, Any]],
    diags: list[Diagnostic],
    cp: CompiledProject,
) -> dict[str, dict[str, Any]]:
    active: dict[str, dict[str, Any]] = {}
    for pref, w in policy.waivers:
        record = {
            "policy": pref,
            "gate": w.gate,
            "owner": w.owner,
            "justification": w.justification,
            "ticket": w.ticket,
            "expires": w.expires.isoformat(),
            "active": w.expires >= today,
        }
        record["status"] = "active" if record["active"] else "expired"
        if record not in out:
            out.append(record)
        if record["active"]:
            active[w.gate] = record
        else:
            entry = cp.get(pref)
            idx = entry.model.waivers.index(w) if entry else 0
            diag = (
                entry.diag(
                    f"/waivers/{idx}/expires",
                    "FG503",
                    f"waiver for gate {w.gate!r} expired on {w.expires.isoformat()}; it no longer "
                    f"waives",
                    severity="warning",
                )
                if entry
                else None
            )
            if diag and diag not in diags:
                diags.append(diag)
    return active


def _base(sg: SourcedGate, result_id: str, evaluation: str | None) -> GateResult:
    gate = sg.gate
    return GateResult(
        id=result_id,
        gate=gate.id,
        policy=sg.policy,
        type=gate.type,
        title=gate.title or _title(gate),
        severity=gate.severity,
        outcome="inconclusive",
        evaluation=evaluation,
        source=sg.source,
        rationale=getattr(gate, "rationale", None),
    )


def _title(gate: Any) -> str:
    if gate.type == "metric":
        limit = f"≤ {gate.max:g}" if gate.max is not None else f"≥ {gate.min:g}"
        stat = STAT_LABEL[gate.statistic] + (f" {gate.group}" if gate.group else "")
        stat += f" − {gate.reference}" if getattr(gate, "reference", None) else ""
        metric = f"macro {gate.metric}" if getattr(gate, "label", None) == "macro" else gate.metric
        return f"{metric} {stat} across {' × '.join(gate.across)} {limit}"
    return {
        "required_fields": "required fields answered",
        "coverage": f"coverage of {getattr(gate, 'standard', '')}",
        "axes_evaluated": "intended-population axes evaluated",
        "threshold_match": "deployed threshold = evaluated",
    }[gate.type]


def _apply(
    cp: CompiledProject,
    policy: EffectivePolicy,
    sg: SourcedGate,
    evaluations: dict[str, EvalOutcome],
    coverage: dict[str, dict[str, Any]],
) -> list[GateResult]:
    gate = sg.gate
    if gate.type == "metric":
        targets = evaluations_for_gate(cp, gate)
        if not targets:
            return [_base(sg, gate.id, None).with_(reasons=(Reason("no-evaluation"),))]
        out = []
        for entry in targets:
            rid = gate.id if len(targets) == 1 else f"{gate.id}[{entry.model.id}]"
            ev = evaluations.get(entry.ref) or EvalOutcome(
                entry.ref, None, "evaluation was not run"
            )
            out.extend(gate_rows(gate, _base(sg, rid, entry.ref), entry.model.task.type, ev))
        return out
    base = _base(sg, gate.id, None)
    if gate.type == "required_fields":
        docs = [
            (e.ref, e.model, e.doc) for e in sorted(cp.of_kind(gate.document), key=lambda e: e.ref)
        ]
        return [doc_gates.required_fields(gate, base, docs)]
    if gate.type == "coverage":
        return [doc_gates.coverage_gate(gate, base, coverage.get(gate.standard))]
    if gate.type == "axes_evaluated":
        return [doc_gates.axes_evaluated(base, _deployment_axes(cp, evaluations))]
    return [doc_gates.threshold_match(gate, base, _threshold_checks(cp, evaluations))]


def _deployment_axes(
    cp: CompiledProject, evaluations: dict[str, EvalOutcome]
) -> list[tuple[str, Any, set[str]]]:
    out = []
    for dp in cp.of_kind("DeploymentProtocol"):
        card = cp.model(dp.model.model)
        refs = [e.ref for e in card.evaluations] if card is not None else []
        measured: set[str] = set()
        for ref in refs:
            ev = cp.model(ref)
            if ev is not None:
                measured |= {subgroup_name(s) for s in ev.subgroups}
        out.append((dp.ref, dp.model, measured))
    return out


def _threshold_checks(
    cp: CompiledProject, evaluations: dict[str, EvalOutcome]
) -> list[tuple[str, float | str, float | None, str | None]]:
    out = []
    for dp in cp.of_kind("DeploymentProtocol"):
        op = dp.model.operating_point
        ev = evaluations.get(op.evaluation)
        variant = (
            (ev.variants or {}).get(op.variant)
            if ev is not None and op.variant != "baseline"
            else None
        )
        if variant is not None:  # a deployed mitigation variant: its own fitted threshold
            number = (variant.get("threshold") or {}).get("value")
            if (
                number is None and variant.get("status") == "ok"
            ):  # group thresholds (`threshold: fitted`, FG486)
                number = ((variant.get("threshold") or {}).get("groups") or {}).get(
                    "thresholds"
                ) or None
            out.append((dp.ref, op.threshold, number, variant.get("error")))
            continue
        out.append(
            (
                dp.ref,
                op.threshold,
                ev.threshold if ev else None,
                ev.error if ev else "evaluation was not run",
            )
        )
    return out


CANNOT_PASS = 0.05
"""Below this probability of passing a truly fair model, a gate is reported as unpassable."""


def _cannot_pass(result: GateResult, sg: SourcedGate) -> list[Diagnostic]:
    """FG511: at the evaluation's size a truly fair model would (almost) never pass the gate."""
    oc = result.details.get("operating_characteristics") or {}
    p = oc.get("p_pass_if_fair")
    if p is None or p >= CANNOT_PASS:
        return []
    src = sg.source or {}
    return [
        Diagnostic(
            str(src.get("file", "")),
            int(src.get("line", 1)),
            int(src.get("col", 1)),
            "FG511",
            f"gate {result.id!r}: a truly fair model passes with probability {p:.0%} at the size "
            f"of {result.evaluation}; more patients are needed (see `fairgov plan`)",
            severity="warning",
        )
    ]


def _holm(results: list[GateResult], alpha: float) -> list[GateResult]:
    """Holm-adjust the no-gap permutation p-values of gap gates, per evaluation.

    A gap gate whose point estimate violates its limit but whose adjusted p-value is not
    significant cannot tell a real gap from noise: it becomes inconclusive, not fail.
    """
    from fairgov.metrics import holm

    by_eval: dict[tuple[str | None, str | None], list[int]] = {}
    for i, r in enumerate(results):
        if r.type == "metric" and r.statistic == "gap" and r.p_value is not None:
            by_eval.setdefault((r.evaluation, r.label), []).append(i)
    out = list(results)
    for family in by_eval.values():
        adjusted = holm([results[i].p_value for i in family])  # type: ignore[misc]
        for i, p in zip(family, adjusted, strict=True):
            r = results[i].with_(p_adjusted=float(p))
            if r.outcome == "fail" and p >= alpha:
                r = r.with_(
                    outcome="inconclusive",
                    reasons=(
                        *r.reasons,
                        Reason("holm-not-significant", {"p": float(p), "alpha": alpha}),
                    ),
                )
            out[i] = r
    return out
