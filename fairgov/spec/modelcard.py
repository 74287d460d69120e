"""ModelCard: Model Cards for Model Reporting (Mitchell et al.), CHAI Applied Model Card v0.2
and the HTI-1 predictive DSI source attributes; plus the foundation model to run."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from fairgov.spec.common import (
    DocumentBase,
    EvaluationRef,
    Model,
    Narrative,
    RelPath,
    Sha256,
    Text,
    narrative,
)


class Preprocessing(Model):
    """Overrides of timm's data config (medical FMs often need other statistics)."""

    input_size: int | None = Field(
        default=None, ge=8, le=4096, description="Square input size in pixels."
    )
    mean: tuple[float, float, float] | None = Field(default=None, description="Per-channel mean.")
    std: tuple[float, float, float] | None = Field(default=None, description="Per-channel std.")
    crop_pct: float | None = Field(default=None, gt=0, le=1, description="Centre-crop fraction.")
    interpolation: Literal["bilinear", "bicubic", "nearest"] | None = Field(
        default=None, description="Resize interpolation."
    )


class Backbone(Model):
    architecture: Text = Field(
        description="timm architecture name (e.g. `vit_base_patch16_224`), open_clip model config "
                    "name (e.g. `ViT-B-16`), or a label for a transformers model."
    )
    weights: RelPath | None = Field(
        default=None,
        description="Local weights file (.safetensors, or .pth/.pt loaded with weights_only).",
    )
    sha256: Sha256 | None = Field(
        default=None, description="Pinned sha256 of the weights file; a mismatch stops the run."
    )
    allow_hub: bool = Field(
        default=False, description="Allow downloading weights by hub name (needs network)."
    )
    preprocessing: Preprocessing = Field(
        default_factory=Preprocessing, description="Preprocessing overrides."
    )
    library: Literal["timm", "transformers", "open_clip"] = Field(
        default="timm",
        description="Library that builds the model: timm, Hugging Face transformers (ViT, "
                    "DINOv2...) or open_clip.",
    )
    pooling: Literal["cls", "mean_patch", "clip_image"] | None = Field(
        default=None,
        description="Embedding: transformers `cls` (default) or `mean_patch`; open_clip "
                    "`clip_image` (default). timm: none.",
    )
    config: RelPath | None = Field(
        default=None,
        description="Local model config: transformers config.json (default: beside the weights); "
                    "open_clip JSON config (default: the built-in config named by `architecture`).",
    )


class FoundationModel(Model):
    name: Text = Field(description="Name of the foundation model. [CHAI FoundationModels]")
    version: Text = Field(description="Version or checkpoint of the foundation model.")
    adaptation: Narrative = narrative(
        "How the FM was adapted (linear probe, fine-tuning, PEFT). [CHAI, EU AI Act Annex IV 2(a)]"
    )
    backbone: Backbone | None = Field(
        default=None, description="What fairgov runs; empty for bring-your-own predictions."
    )


class Details(Model):
    name: Text = Field(description="Model name. [CHAI BasicInfo, Mitchell]")
    developer: Text = Field(description="Developer organisation. [HTI-1 1.i]")
    contact: Text = Field(description="Developer contact. [HTI-1 1.i]")
    date: dt.date = Field(description="Model date. [Mitchell]")
    license: Narrative = narrative("License. [Mitchell]")
    funding_source: Narrative = narrative("Funding source. [HTI-1 1.ii, CHAI]")
    citation: Narrative = narrative("How to cite. [Mitchell]")
    release_stage: Narrative = narrative(
        "Release stage (research, pilot, production). [CHAI ReleaseInfo]"
    )
    regulatory_approval: Narrative = narrative(
        "Regulatory approvals and clearances. [CHAI ReleaseInfo]"
    )


class ModelInfo(Model):
    type: Narrative = narrative(
        "Model type and training algorithm, including fairness constraints. [Mitchell, CHAI "
        "ModelType]"
    )
    output_description: Narrative = narrative("What the output value means. [HTI-1 1.iii]")
    output_type: Literal[
        "prediction", "classification", "recommendation", "evaluation", "analysis", "other"
    ] = Field(description="Output type. [HTI-1 1.iv]")
    foundation_model: FoundationModel = Field(
        description="The foundation model and how it was adapted. [CHAI FoundationModels]"
    )


class IntendedUse(Model):
    statement: Narrative = narrative("Intended use and workflow. [HTI-1 2.i, CHAI, Mitchell]")
    target_population: Narrative = narrative("Targeted patient population. [HTI-1 2.ii] [F]")
    intended_users: Narrative = narrative("Primary intended users. [HTI-1 2.iii]")
    decision_role: Literal["informs", "augments", "replaces"] = Field(
        description="Whether the output informs, augments or replaces clinical management. [HTI-1 "
                    "2.iv]"
    )
    how_to_use: Narrative = narrative("Directions for use. [CHAI UsesAndDirections]")
    out_of_scope: Narrative = narrative(
        "Cautioned out-of-scope uses, tasks and populations. [HTI-1 3.i] [F]"
    )


DemographicVariable = Literal[
    "race",
    "ethnicity",
    "language",
    "sexual_orientation",
    "gender_identity",
    "sex",
    "date_of_birth",
    "social_determinants",
    "health_status",
    "none",
]


class Inputs(Model):
    description: Narrative = narrative(
        "Input data types and sources. [CHAI OutputAndInputDataTypes]"
    )
    demographic_variables_used: list[DemographicVariable] = Field(
        min_length=1,
        description="Demographic variables used as model inputs (`none` if none). [HTI-1 4.ii] [F]",
    )


class Factors(Model):
    relevant: Narrative = narrative(
        "Relevant factors: groups, instrumentation, environment. [Mitchell]"
    )
    evaluation: list[Text] = Field(
        min_length=1, description="Subgroup attributes the evaluations report on. [Mitchell] [F]"
    )


class Metrics(Model):
    measures: Narrative = narrative(
        "Performance measures and why. [Mitchell, EU AI Act Annex IV 4]"
    )
    decision_thresholds: Narrative = narrative(
        "Decision thresholds and how they were chosen. [Mitchell, TRIPOD 15]"
    )
    variation_approaches: Narrative = narrative(
        "How uncertainty is estimated. [Mitchell, CLAIM 29]"
    )


class EvaluationEntry(Model):
    ref: EvaluationRef
    role: Literal["internal", "external", "baseline", "comparison"] = Field(
        description="What this evaluation shows."
    )
    setting: Narrative = narrative("Data source and setting of this evaluation. [HTI-1 6.i]")
    conducted_by: Narrative = narrative("Who conducted the testing. [HTI-1 6.ii]")
    process: Narrative = narrative("Evaluation process. [HTI-1 6.iv]")


class Fairness(Model):
    definition: Narrative = narrative("Which notion of fairness applies and why. [TRIPOD 14]")
    approach: Narrative = narrative("Approach to ensure fair outputs. [HTI-1 5.i] [F]")
    bias_mitigation: Narrative = narrative(
        "How bias is managed and mitigated. [HTI-1 5.ii, CHAI] [F]"
    )


class Limitations(Model):
    known_risks: Narrative = narrative("Known risks and limitations. [HTI-1 3.ii, CHAI Warnings]")
    known_biases: Narrative = narrative(
        "Known biases or ethical considerations. [CHAI Warnings] [F]"
    )
    data_gaps: Narrative = narrative(
        "Under-represented populations and data gaps. [FDA App. E] [F]"
    )
    clinical_risk_level: Narrative = narrative("Clinical risk level. [CHAI Warnings]")


class Ethics(Model):
    data: Narrative = narrative("Sensitive data used. [Mitchell]")
    human_life: Narrative = narrative("Effects on human life and health. [Mitchell]")
    mitigations: Narrative = narrative("Risk mitigations. [Mitchell]")
    use_cases: Narrative = narrative("Fraught use cases. [Mitchell]")


class ModelCard(DocumentBase):
    """A model card for an FM adapted to a medical-imaging task."""

    kind: Literal["ModelCard"] = Field(description="Document kind.")
    summary: Narrative = narrative("One-paragraph summary. [CHAI ModelSummary]")
    details: Details = Field(
        description="Model details. [Model Cards: Model details; CHAI BasicInfo/ReleaseInfo]"
    )
    model: ModelInfo = Field(
        description="What the model is and outputs. [HTI-1 1, CHAI AISystemFacts]"
    )
    intended_use: IntendedUse = Field(
        description="Intended use. [Model Cards: Intended use; HTI-1 2-3]"
    )
    inputs: Inputs = Field(description="Model inputs. [HTI-1 4.ii]")
    factors: Factors = Field(description="Factors. [Model Cards: Factors]")
    metrics: Metrics = Field(description="Metrics. [Model Cards: Metrics]")
    training_data: Narrative = narrative(
        "Training data, with a datasheet reference. [Mitchell, CHAI "
        "DevelopmentDataCharacterization]"
    )
    evaluation_data: Narrative = narrative("Evaluation data. [Mitchell]")
    evaluations: list[EvaluationEntry] = Field(
        min_length=1, description="Evaluations that fill the quantitative analyses."
    )
    external_validation: Narrative = narrative(
        "External validation: data source and setting, who tested, how; or `not_applicable: <why "
        "none yet>`. [HTI-1 6]"
    )
    fairness: Fairness = Field(description="Fairness approach. [HTI-1 5]")
    limitations: Limitations = Field(
        description="Limitations and warnings. [CHAI Warnings, HTI-1 3.ii]"
    )
    ethical_considerations: Ethics = Field(description="Ethical considerations. [Model Cards]")
    outcome_studies: Narrative = narrative("References to outcome evaluations. [HTI-1 7.v]")
    caveats: Narrative = narrative("Caveats and recommendations. [Mitchell]")
