"""The lifecycle view: per stage, the bias risks and mitigations the specs document and the
gates that check them; a stage with nothing documented is shown as a gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairgov.render import fmt
from fairgov.render.documents import split_description
from fairgov.render.i18n import N_, gettext
from fairgov.results import Gate
from fairgov.spec.common import NotApplicable

#: stage id, title, [(role, "Kind:dotted.path")]; roles: risk, mitigation, context
STAGES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "data-collection",
        N_("Data collection"),
        [
            ("context", "Datasheet:collection.sampling"),
            ("context", "Datasheet:collection.inclusion_criteria"),
            ("risk", "Datasheet:composition.sample_representativeness"),
            ("risk", "Datasheet:composition.errors_noise"),
            ("risk", "Datasheet:uses.fairness_impact"),
            ("risk", "Datasheet:governance.data_gaps"),
            ("risk", "Datasheet:representativeness.vs_target_population"),
            ("mitigation", "Datasheet:governance.bias_examination"),
            ("mitigation", "Datasheet:governance.bias_mitigation"),
            ("mitigation", "Datasheet:governance.special_category_processing"),
            ("mitigation", "Datasheet:preprocessing.labeling"),
        ],
    ),
    (
        "pre-training",
        N_("Pre-training"),
        [
            ("context", "ModelCard:model.foundation_model.name"),
            ("context", "ModelCard:model.foundation_model.version"),
            ("risk", "ModelCard:training_data"),
        ],
    ),
    (
        "adaptation",
        N_("Adaptation"),
        [
            ("context", "ModelCard:model.foundation_model.adaptation"),
            ("risk", "ModelCard:model.type"),
            ("mitigation", "ModelCard:fairness.approach"),
            ("mitigation", "ModelCard:metrics.decision_thresholds"),
        ],
    ),
    (
        "evaluation",
        N_("Evaluation"),
        [
            ("context", "ModelCard:evaluation_data"),
            ("risk", "ModelCard:limitations.known_risks"),
            ("risk", "ModelCard:limitations.known_biases"),
            ("risk", "ModelCard:limitations.data_gaps"),
            ("mitigation", "ModelCard:fairness.definition"),
            ("mitigation", "ModelCard:fairness.bias_mitigation"),
            ("mitigation", "ModelCard:metrics.variation_approaches"),
        ],
    ),
    (
        "deployment",
        N_("Deployment"),
        [
            ("context", "DeploymentProtocol:intended_population.description"),
            ("risk", "ModelCard:intended_use.out_of_scope"),
            ("risk", "DeploymentProtocol:instructions_for_use.foreseeable_misuse"),
            ("risk", "DeploymentProtocol:instructions_for_use.group_performance"),
            ("risk", "DeploymentProtocol:risk_management"),
            ("mitigation", "DeploymentProtocol:human_oversight"),
            ("mitigation", "DeploymentProtocol:local_validation.subgroup_metrics"),
            ("mitigation", "DeploymentProtocol:operating_point.rationale"),
            ("mitigation", "DeploymentProtocol:user_training"),
            ("mitigation", "DeploymentProtocol:rollback"),
        ],
    ),
    (
        "monitoring",
        N_("Monitoring"),
        [
            ("risk", "DeploymentProtocol:change_control.impact_assessment"),
            ("mitigation", "DeploymentProtocol:monitoring.fairness.process"),
            ("mitigation", "DeploymentProtocol:monitoring.post_market_plan"),
            ("mitigation", "DeploymentProtocol:change_control.correction_policy"),
            ("mitigation", "DeploymentProtocol:incident_reporting"),
        ],
    ),
]
ROLE_LABEL = {"risk": N_("Risk"), "mitigation": N_("Mitigation"), "context": N_("Context")}
EXCERPT = 220


@dataclass
class StageItem:
    role: str
    question: str
    document: str
    state: str  # answered | na | missing
    text: str
    anchor: str | None

    @property
    def role_label(self) -> str:
        return gettext(ROLE_LABEL[self.role]) if self.role in ROLE_LABEL else self.role.capitalize()


@dataclass
class Stage:
    id: str
    title: str
    items: list[StageItem]
    gates: list[Any] = field(default_factory=list)
    note: str = ""

    @property
    def gap(self) -> bool:
        return not any(
            i.state == "answered" and i.role in ("risk", "mitigation") for i in self.items
        )


def resolve_field(model: Any, dotted: str) -> tuple[Any, Any]:
    """(value, pydantic FieldInfo) of a dotted path, or (None, None)."""
    node, info = model, None
    for part in dotted.split("."):
        fields = type(node).model_fields if hasattr(type(node), "model_fields") else {}
        if part not in fields:
            return None, None
        info, node = fields[part], getattr(node, part)
        if node is None:
            return None, info
    return node, info


def stage_for_gate(gate: Gate, spec: Any, kinds: set[str]) -> str:
    gtype = gate.type
    if gtype == "metric":
        return "evaluation"
    if gtype in ("threshold_match", "axes_evaluated"):
        return "deployment"
    if gtype == "required_fields" and spec is not None:
        lookup = {path: sid for sid, _, items in STAGES for _, path in items}
        for f in spec.fields:
            if (sid := lookup.get(f"{spec.document}:{f}")) is not None:
                return sid
        return {"Datasheet": "data-collection", "DeploymentProtocol": "deployment"}.get(
            spec.document, "evaluation"
        )
    if "ModelCard" in kinds:
        return "evaluation"
    return "data-collection" if kinds == {"Datasheet"} else "deployment"


def stages(
    documents: dict[str, list[Any]],
    anchors: dict[tuple[str, str], str],
    gates: list[Any],
    gate_info: dict[str, tuple[Any, set[str]]],
) -> list[Stage]:
    """documents: kind -> entries in the report; anchors: (doc ref, path) -> field anchor;
    gates: GateRow list; gate_info: gate id -> (gate spec, kinds)."""
    out = []
    for sid, title, fields in STAGES:
        items = []
        for role, ref in fields:
            kind, path = ref.split(":", 1)
            for entry in documents.get(kind, []):
                items.append(_item(role, entry, path, anchors, len(documents.get(kind, [])) > 1))
        stage = Stage(sid, gettext(title), items)
        stage.gates = [
            g for g in gates if stage_for_gate(g.record, *gate_info.get(g.id, (None, set()))) == sid
        ]
        if sid == "monitoring":
            stage.note = _triggers(documents.get("DeploymentProtocol", []))
        out.append(stage)
    return out


def _item(
    role: str, entry: Any, path: str, anchors: dict[tuple[str, str], str], several: bool
) -> StageItem:
    value, info = resolve_field(entry.model, path)
    question = split_description(info.description if info else path)[0] or fmt.humanize(
        path.split(".")[-1]
    )
    doc = entry.model.title if several else entry.doc.kind
    anchor = anchors.get((entry.ref, path))
    if isinstance(value, NotApplicable):
        text = gettext("not applicable: %(justification)s") % {
            "justification": _excerpt(value.not_applicable)
        }
        return StageItem(role, question, doc, "na", text, anchor)
    if value is None or (isinstance(value, str) and not value.strip()):
        return StageItem(role, question, doc, "missing", gettext("not documented"), anchor)
    return StageItem(role, question, doc, "answered", _excerpt(str(value)), anchor)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _triggers(deployments: list[Any]) -> str:
    out = []
    for d in deployments:
        for t in d.model.monitoring.triggers:
            out.append(f"{t.condition} → {t.action}")
    return (
        gettext("Monitoring triggers: %(triggers)s") % {"triggers": " | ".join(out)} if out else ""
    )
