"""The metric gates of the applied policies, applied to every mitigation variant of an
evaluation (issue 14). They are reported with the variant (results.json
``evaluations.<ref>.variants.<id>.gates``) and never change the build's verdict: the verdict
judges the evaluation as declared; a policy gates a variant through comparison gates."""

from __future__ import annotations

from typing import Any

from fairgov.gates.metric_gates import apply_metric_gate
from fairgov.gates.outcome import GateResult, finalize, tally
from fairgov.results import Measure
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.semantic import evaluations_for_gate


def variant_gates(
    cp: Any, ref: str, variants: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """{variant id: [gate result dicts]} for one evaluation."""
    from fairgov.gates.engine import _base  # the same record every metric gate starts from

    out: dict[str, list[dict[str, Any]]] = {vid: [] for vid in variants}
    for pref in applied_policy_refs(cp):
        policy, _ = compose(cp, pref)
        for sg in policy.gates:
            gate = sg.gate
            if gate.type != "metric" or ref not in {e.ref for e in evaluations_for_gate(cp, gate)}:
                continue
            for vid, rec in variants.items():
                base: GateResult = _base(sg, gate.id, ref)
                ok = rec.get("status") == "ok"
                measure = (
                    Measure.model_validate(rec["measure"]) if ok and rec.get("measure") else None
                )
                error = None if ok else rec.get("error")
                res = apply_metric_gate(gate, base, measure, error)
                out[vid].append(finalize(res, gate.inconclusive_blocks, None).to_dict())
    return out


def summary(gates: list[dict[str, Any]]) -> dict[str, Any]:
    """What the verdict would be for this variant's metric gates (informational)."""
    t = tally([(g["status"], g["blocking"]) for g in gates])
    return {"status": t.status, "blocking": t.blocking, "counts": t.counts}
