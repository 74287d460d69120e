"""DeploymentProtocol: how a model is deployed and monitored at one clinical site (EU AI Act
Art. 13/15, FDA PCCP, HTI-1 maintenance items)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from fairgov.spec.common import (
    DocumentBase,
    EvaluationRef,
    Model,
    ModelCardRef,
    Narrative,
    PolicyRef,
    Text,
    narrative,
)
from fairgov.spec.mitigation import BASELINE, VariantId
from fairgov.spec.monitoring import MonitorPlanFields, TriggerCheckFields


class Site(Model):
    name: Text = Field(description="Deploying organisation / site.")
    location: Text = Field(description="Where the site is.")
    contact: Text = Field(description="Site contact.")


class IntendedPopulation(Model):
    description: Narrative = narrative(
        "The patients the model will be used on. [EU AI Act 13(3)(b)] [F]"
    )
    distribution: dict[str, dict[str, float]] = Field(
        min_length=1,
        description="Expected share of each group per attribute (e.g. sex: {female: 0.52, male: "
                    "0.48}); every attribute named here must be evaluated.",
    )


class AttributeAtInference(Model):
    source: Text = Field(
        description="Where the attribute comes from at inference time (e.g. `DICOM (0008,0080) "
                    "InstitutionName`, `RIS field site_code`)."
    )
    statement: Narrative = narrative(
        "How the deployed model obtains the group attribute for every study at inference time, "
        "what happens when it is missing, and who checks it. Required when the deployed variant "
        "uses a threshold per group."
    )


class OperatingPoint(Model):
    evaluation: EvaluationRef = Field(description="Evaluation whose threshold is deployed.")
    variant: VariantId = Field(
        default=BASELINE,
        description="Which variant of the evaluation is deployed: `baseline` (the plain "
        "evaluation) or the id of one of its `mitigations`.",
    )
    attribute_at_inference: AttributeAtInference | None = Field(
        default=None,
        description="How the group attribute is obtained at inference time; required (a "
        "documentation gate) when the deployed variant uses group-specific thresholds.",
    )
    threshold: Annotated[float, Field(ge=0, le=1)] | Literal["fitted"] = Field(
        description="Score threshold used in production, or `fitted`: the evaluation's fitted "
        "threshold (each build records the number)."
    )
    rationale: Narrative = narrative("Why this operating point. [TRIPOD 15]")

    @property
    def follows_fitted(self) -> bool:
        return self.threshold == "fitted"


class LocalValidation(Model):
    plan: Narrative = narrative(
        "Local site acceptance testing before go-live. [FDA App. E, FUTURE-AI U4]"
    )
    metrics: Narrative = narrative("Local validity measures and acceptance criteria. [HTI-1 8.ii]")
    subgroup_metrics: Narrative = narrative(
        "Local fairness measures and acceptance criteria. [HTI-1 8.iv] [F]"
    )


class MonitoringStream(Model):
    metrics: list[Text] = Field(min_length=1, description="Monitored metrics.")
    subgroups: list[Text] = Field(
        default_factory=list, description="Subgroup attributes monitored."
    )
    frequency: Literal["daily", "weekly", "monthly", "quarterly", "yearly"] = Field(
        description="Cadence."
    )
    process: Narrative = narrative("How monitoring is done and by whom. [HTI-1 8.i/8.iii]")


class Trigger(TriggerCheckFields):
    condition: Text = Field(description="Condition, e.g. `tpr gap across sex > 0.08 for 2 months`.")
    action: Text = Field(description="What happens when it fires (review, pause, rollback).")


class Monitoring(MonitorPlanFields):
    validity: MonitoringStream = Field(description="Validity monitoring. [HTI-1 8.i]")
    fairness: MonitoringStream = Field(description="Fairness monitoring. [HTI-1 8.iii] [F]")
    triggers: list[Trigger] = Field(min_length=1, description="Escalation triggers.")
    post_market_plan: Narrative = narrative(
        "Post-market monitoring plan. [EU AI Act Art. 72, Annex IV 9]"
    )
    override_rate: Narrative = narrative(
        "How human-AI agreement and overrides are tracked. [DECIDE-AI 12]"
    )


class ChangeProtocol(Model):
    data_management: Narrative = narrative("Data management practices. [FDA PCCP]")
    retraining: Narrative = narrative("Re-training practices. [FDA PCCP]")
    performance_evaluation: Narrative = narrative(
        "Performance evaluation incl. subgroup acceptance criteria. [FDA PCCP] [F]"
    )
    update_procedures: Narrative = narrative(
        "Update procedures incl. user communication. [FDA PCCP]"
    )


class ChangeControl(Model):
    update_schedule: Narrative = narrative("Update process and frequency. [HTI-1 9.i]")
    correction_policy: Narrative = narrative(
        "How fast validity or fairness problems are corrected. [HTI-1 9.ii] [F]"
    )
    modifications: Narrative = narrative("Description of planned modifications. [FDA PCCP]")
    protocol: ChangeProtocol = Field(description="The modification protocol. [FDA PCCP]")
    impact_assessment: Narrative = narrative("Impact assessment of the modifications. [FDA PCCP]")


class InstructionsForUse(Model):
    accuracy_and_robustness: Narrative = narrative(
        "Accuracy, robustness and cybersecurity levels. [EU AI Act 13(3)(b)(ii)]"
    )
    foreseeable_misuse: Narrative = narrative(
        "Foreseeable risky circumstances and misuse. [EU AI Act 13(3)(b)(iii)]"
    )
    group_performance: Narrative = narrative(
        "Performance for specific persons or groups. [EU AI Act 13(3)(b)(v)] [F]"
    )
    input_specification: Narrative = narrative(
        "Input data specifications. [EU AI Act 13(3)(b)(vi)]"
    )
    output_interpretation: Narrative = narrative(
        "How to interpret the output. [EU AI Act 13(3)(b)(vii)]"
    )
    compute_and_maintenance: Narrative = narrative(
        "Compute, lifetime, maintenance. [EU AI Act 13(3)(e)]"
    )
    logging: Narrative = narrative("Logging mechanisms. [EU AI Act 13(3)(f), Art. 12]")


class DeploymentProtocol(DocumentBase):
    """How and where a model is deployed, and how it is watched."""

    kind: Literal["DeploymentProtocol"] = Field(description="Document kind.")
    site: Site = Field(description="The deploying site.")
    model: ModelCardRef
    policies: list[PolicyRef] = Field(
        min_length=1, description="Policies whose gates must pass before go-live."
    )
    intended_population: IntendedPopulation = Field(
        description="The intended population and its expected composition."
    )
    operating_point: OperatingPoint = Field(description="The deployed operating point.")
    local_validation: LocalValidation = Field(
        description="Local validation before go-live. [HTI-1 8.ii/8.iv]"
    )
    monitoring: Monitoring = Field(
        description="Post-deployment monitoring. [HTI-1 8, EU AI Act Art. 72]"
    )
    human_oversight: Narrative = narrative(
        "Human oversight measures. [EU AI Act 13(3)(d), Art. 14]"
    )
    rollback: Narrative = narrative("How to roll back or switch off. [EU AI Act Art. 15 fail-safe]")
    change_control: ChangeControl = Field(
        description="Change control and PCCP. [HTI-1 9, FDA PCCP]"
    )
    incident_reporting: Narrative = narrative(
        "Incident reporting route and timelines. [EU AI Act Art. 73]"
    )
    instructions_for_use: InstructionsForUse = Field(
        description="Instructions for use. [EU AI Act Art. 13(3)]"
    )
    risk_management: Narrative = narrative(
        "Risk management system (validity, fairness, safety, security, privacy). [EU AI Act Art. "
        "9, HTI-1 (b)(11)(vi)]"
    )
    security: Narrative = narrative(
        "Cybersecurity measures, incl. poisoning and adversarial inputs. [EU AI Act Art. 15(5)]"
    )
    patient_disclosure: Narrative = narrative("How patients are informed. [CHAI Resources]")
    workflow_integration: Narrative = narrative(
        "Workflow and EHR/PACS integration. [DECIDE-AI 5, CHAI]"
    )
    user_training: Narrative = narrative(
        "User training and required expertise. [DECIDE-AI 3, TRIPOD 27c]"
    )
