"""Which documents, evaluations, gates and deployments each report covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairgov.render.i18n import N_, gettext
from fairgov.results import Gate, Results
from fairgov.validate import CompiledProject, Entry

KIND_LABEL = {
    "datasheet": N_("Datasheet"),
    "modelcard": N_("Model card"),
    "deployment": N_("Deployment protocol"),
    "dossier": N_("Governance dossier"),
}
ALL_DOCUMENTS = frozenset({"Datasheet", "ModelCard", "DeploymentProtocol"})
SPEC_KINDS = {
    "datasheet": {"Datasheet"},
    "modelcard": {"ModelCard"},
    "deployment": {"DeploymentProtocol"},
    "dossier": set(ALL_DOCUMENTS),
}


@dataclass
class Scope:
    kind: str  # datasheet | modelcard | deployment | dossier
    stem: str  # file name without extension
    title: str
    subject: Entry
    documents: list[Entry]
    evaluations: list[str]
    deployments: list[Entry]
    policies: list[Entry] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return gettext(KIND_LABEL[self.kind])

    @property
    def spec_kinds(self) -> set[str]:
        return SPEC_KINDS[self.kind]


def _by_ref(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: e.ref)


def card_evaluations(cp: CompiledProject, card: Entry) -> list[str]:
    listed = [e.ref for e in card.model.evaluations if cp.get(e.ref) is not None]
    others = [
        e.ref
        for e in _by_ref(cp.of_kind("Evaluation"))
        if e.model.model == card.ref and e.ref not in listed
    ]
    return listed + others


def policy_closure(cp: CompiledProject, refs: list[str]) -> list[Entry]:
    out: list[Entry] = []
    for ref in refs:
        entry: Entry | None = cp.get(ref)
        while entry is not None and entry not in out:
            out.append(entry)
            entry = cp.get(entry.model.extends) if entry.model.extends else None
    return out


def gate_spec(cp: CompiledProject, gate: Gate) -> Any:
    """The policy's gate model behind a results.json gate record (None if not found)."""
    candidates = [cp.get(gate.policy or "")] + _by_ref(cp.of_kind("Policy"))
    for entry in candidates:
        if entry is None:
            continue
        for spec in entry.model.gates:
            if spec.id == gate.gate:
                return spec
    return None


def gate_kinds(cp: CompiledProject, gate: Gate) -> set[str]:
    """Spec kinds a documentation gate is about."""
    spec = gate_spec(cp, gate)
    gtype = gate.type
    if gtype == "required_fields" and spec is not None:
        return {spec.document}
    if gtype == "coverage" and spec is not None:
        try:
            from fairgov.standards import get_standard

            return set(get_standard(spec.standard).document)
        except KeyError:  # an unknown standard: shown everywhere, it is already inconclusive
            return set(ALL_DOCUMENTS)
    if gtype in ("axes_evaluated", "threshold_match"):
        return {"DeploymentProtocol"}
    return set(ALL_DOCUMENTS)


def scoped_gates(cp: CompiledProject, results: Results, scope: Scope) -> list[Gate]:
    policy_refs = {p.ref for p in scope.policies}
    out = []
    for gate in results.gates:
        if policy_refs and gate.policy not in policy_refs:
            continue
        if gate.type == "metric":
            if gate.evaluation is None or gate.evaluation in scope.evaluations:
                out.append(gate)
        elif gate_kinds(cp, gate) & scope.spec_kinds:
            out.append(gate)
    return out


def scopes(cp: CompiledProject, results: Results) -> list[Scope]:
    """One scope per datasheet, model card and deployment protocol, and a dossier per deployment."""
    out: list[Scope] = []
    evals = {e.ref: e.model for e in cp.of_kind("Evaluation")}
    cards = _by_ref(cp.of_kind("ModelCard"))
    deployments = _by_ref(cp.of_kind("DeploymentProtocol"))
    project_policies = list(cp.project.policies) if cp.project else []
    for ds in _by_ref(cp.of_kind("Datasheet")):
        refs = [r for r, m in sorted(evals.items()) if m.dataset == ds.ref]
        cards_used = {evals[r].model for r in refs}
        deps = [d for d in deployments if d.model.model in cards_used]
        out.append(
            Scope("datasheet", f"datasheet-{ds.model.id}", ds.model.title, ds, [ds], refs, deps)
        )
    for card in cards:
        refs = card_evaluations(cp, card)
        deps = [d for d in deployments if d.model.model == card.ref]
        out.append(
            Scope(
                "modelcard",
                f"modelcard-{card.model.id}",
                card.model.title,
                card,
                [card],
                refs,
                deps,
            )
        )
    for dp in deployments:
        dp_card = cp.get(dp.model.model)
        refs = card_evaluations(cp, dp_card) if dp_card else []
        policies = policy_closure(cp, project_policies + list(dp.model.policies))
        out.append(
            Scope(
                "deployment",
                f"deployment-{dp.model.id}",
                dp.model.title,
                dp,
                [dp],
                refs,
                [dp],
                policies,
            )
        )
        datasheets = _unique(cp.get(evals[r].dataset) for r in refs if r in evals)
        docs = [*datasheets, *([dp_card] if dp_card else []), dp]
        out.append(
            Scope(
                "dossier",
                f"dossier-{dp.model.id}",
                dossier_title(dp_card, dp),
                dp,
                docs,
                refs,
                [dp],
                policies,
            )
        )
    for scope in out:
        scope.gates = scoped_gates(cp, results, scope)
    return out


def dossier_title(card: Entry | None, dp: Entry) -> str:
    if card is None:
        return dp.model.title
    name = card.model.details.name
    return gettext("%(name)s v%(version)s — deployment at %(site)s") % {
        "name": name,
        "version": card.model.version,
        "site": dp.model.site.name,
    }


def _unique(entries: Any) -> list[Entry]:
    out: list[Entry] = []
    for e in entries:
        if e is not None and e not in out:
            out.append(e)
    return out
