"""The metric gates of the applied policies, applied to every mitigation variant of an
evaluation (issue 14), and to every endpoint variant of a multilabel / multiclass one (issue
15). They are reported with the variant (results.json ``evaluations.<ref>.variants.<id>.gates``,
``evaluations.<ref>.labels.<k>.variants.<id>.gates``) and never change the build's verdict:
the verdict judges the evaluation as declared; a policy gates a variant through comparison
gates."""

from __future__ import annotations

from typing import Any

from fairgov.gates.metric_gates import apply_metric_gate
from fairgov.gates.outcome import GateResult, finalize, tally
from fairgov.gates.task_gates import label_row
from fairgov.results import Measure
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.semantic import evaluations_for_gate


def variant_gates(
    cp: Any, ref: str, variants: dict[str, dict[str, Any]], label: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """{variant id: [gate result dicts]} for one evaluation (`label`: the endpoint of a
    multilabel / multiclass evaluation the variants belong to; its gates are those naming that
    label and those without `label:`; row ids and titles name it as the evaluation's own rows
    do)."""
    from fairgov.gates.engine import _base  # the same record every metric gate starts from

    out: dict[str, list[dict[str, Any]]] = {vid: [] for vid in variants}
    for pref in applied_policy_refs(cp):
        policy, _ = compose(cp, pref)
        for sg in policy.gates:
            gate = sg.gate
            if gate.type != "metric" or ref not in {e.ref for e in evaluations_for_gate(cp, gate)}:
                continue
            named = getattr(gate, "label", None)
            if named is not None and named != label:
                continue  # another endpoint's gate, or a task-level (macro) gate
            for vid, rec in variants.items():
                base: GateResult = label_row(_base(sg, gate.id, ref), label, named is not None)
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
