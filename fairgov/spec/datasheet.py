"""Datasheet: Datasheets for Datasets (Gebru et al.) + Healthsheet answers, the manifest and
the subgroup definitions of a dataset."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from fairgov.spec.common import DocumentBase, Model, Narrative, RelPath, Text, narrative


class Bin(Model):
    """A numeric bin. Edges: `low` inclusive, `high` exclusive unless `closed` says otherwise."""

    label: Text = Field(description="Group label for values in this bin (e.g. `60-79`).")
    low: float | None = Field(default=None, description="Lower edge; empty = unbounded.")
    high: float | None = Field(default=None, description="Upper edge; empty = unbounded.")
    closed: Literal["left", "right", "both", "neither"] = Field(
        default="left", description="Which edges belong to the bin."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Bin:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(
                f"bin {self.label!r}: low ({self.low}) must be below high ({self.high})"
            )
        return self


DicomTag = Literal[
    "PatientSex",
    "PatientAge",
    "Manufacturer",
    "ManufacturerModelName",
    "BodyPartExamined",
    "ViewPosition",
]


class Attribute(Model):
    """A sensitive or contextual attribute used to form subgroups."""

    column: str | None = Field(default=None, description="Manifest column holding the raw value.")
    dicom_tag: DicomTag | None = Field(
        default=None, description="Read the value from this DICOM header instead of a column."
    )
    kind: Literal["categorical", "numeric"] = Field(
        default="categorical", description="Categorical values (mapped) or numeric values (binned)."
    )
    values: dict[str, Text] | None = Field(
        default=None,
        description="Raw value -> canonical group label (e.g. F: female). Raw values not listed "
                    "are errors.",
    )
    bins: list[Bin] | None = Field(default=None, description="Bins for a numeric attribute.")
    description: str | None = Field(
        default=None, description="What the attribute means, how it was recorded."
    )

    @model_validator(mode="after")
    def _shape(self) -> Attribute:
        if (self.column is None) == (self.dicom_tag is None):
            raise ValueError("give exactly one of `column` or `dicom_tag`")
        if self.kind == "numeric" and not self.bins:
            raise ValueError("a numeric attribute needs `bins`")
        if self.kind == "categorical" and self.bins:
            raise ValueError("`bins` only apply to numeric attributes")
        return self


class Label(Model):
    column: Text = Field(description="Manifest column with the label.")
    classes: list[str] = Field(
        min_length=2, description="Declared label values; others are errors."
    )
    description: Narrative = narrative(
        "What the label means and how it was established (reference standard)."
    )


class ImageSpec(Model):
    """How the manifest's DICOM files become the images the model sees."""

    window_center: float | None = Field(
        default=None,
        description="Window centre used for every DICOM file instead of the file's own "
        "WindowCenter, in the modality's output units (e.g. 40 HU for a CT soft-tissue window); "
        "give `window_width` with it. Empty = each file's own window (min-max when it has none). "
        "Part of the embedding cache key.",
    )
    window_width: float | None = Field(
        default=None,
        ge=1,
        description="Window width (at least 1) that goes with `window_center`, e.g. 400.",
    )
    frames: Literal["first", "middle", "mean"] | None = Field(
        default=None,
        description="How a multi-frame DICOM becomes one image: its `first` frame, its `middle` "
        "frame (the lower of the two for an even count) or the `mean` of all frames (before "
        "windowing). Required when a file has several frames (FG426); part of the cache key and of "
        "provenance.",
    )

    @model_validator(mode="after")
    def _window_pair(self) -> ImageSpec:
        if (self.window_center is None) != (self.window_width is None):
            raise ValueError("give both `window_center` and `window_width`, or neither")
        return self

    @property
    def declared(self) -> bool:
        """Whether anything is declared (an all-empty image_spec changes nothing)."""
        return self.window_center is not None or self.frames is not None


class Manifest(Model):
    """The dataset manifest: one row per image."""

    path: RelPath = Field(description="CSV or Parquet file, relative to the project root.")
    image_column: Text | None = Field(
        default="image",
        description="Column with image paths (relative to the manifest); `null` when there are "
        "none (bring-your-own predictions).",
    )
    patient_column: Text = Field(
        default="patient_id", description="Column with the patient (cluster) id."
    )
    split_column: str | None = Field(
        default="split", description="Column with train/validation/test; empty = derive."
    )
    id_column: str | None = Field(
        default=None, description="Column with a row id; empty = row number."
    )
    labels: dict[str, Label] = Field(min_length=1, description="Labels (tasks) by name.")
    image_spec: ImageSpec = Field(
        default_factory=ImageSpec,
        description="DICOM decoding: a window override and the frame policy for multi-frame files.",
    )


class Motivation(Model):
    purpose: Narrative = narrative("For what purpose was the dataset created? [Gebru 1.1]")
    creators: Narrative = narrative(
        "Who created the dataset and on behalf of which entity? [Gebru 1.2]"
    )
    funding: Narrative = narrative("Who funded the creation of the dataset? [Gebru 1.3]")
    curator_backgrounds: Narrative = narrative("Backgrounds of the curators. [Healthsheet]")


class Composition(Model):
    instances: Narrative = narrative("What do the instances represent? [Gebru 2.1]")
    patient_count: Narrative = narrative("How many patients and images? [Healthsheet, Gebru 2.2]")
    modalities: Narrative = narrative("Imaging modalities and views. [Healthsheet]")
    subpopulations: Narrative = narrative(
        "Does the dataset identify subpopulations, and how? [Gebru 2.x] [F]"
    )
    sample_representativeness: Narrative = narrative(
        "Is it a sample; is it representative of the larger set? [Gebru] [F]"
    )
    missing_information: Narrative = narrative("Is any information missing from instances? [Gebru]")
    splits: Narrative = narrative(
        "Recommended splits and how patients are kept disjoint. [Gebru, CLAIM 19-20]"
    )
    errors_noise: Narrative = narrative("Known errors, noise or redundancies. [Gebru]")
    sensitive_data: Narrative = narrative(
        "Does it contain confidential or sensitive data? [Gebru] [F]"
    )
    reidentification: Narrative = narrative(
        "Can individuals be re-identified; which safeguards apply? [Gebru, Healthsheet]"
    )


class Collection(Model):
    mechanisms: Narrative = narrative(
        "How was the data acquired (devices, protocols, software)? [Gebru 3.x]"
    )
    sampling: Narrative = narrative("Sampling strategy. [Gebru]")
    collectors: Narrative = narrative(
        "Who collected the data and how were they compensated? [Gebru]"
    )
    timeframe: Narrative = narrative("Over what timeframe? [Gebru]")
    ethics_review: Narrative = narrative("Ethical review processes. [Gebru]")
    consent: Narrative = narrative("Notice, consent and revocation. [Gebru]")
    inclusion_criteria: Narrative = narrative("Inclusion criteria. [HTI-1 4.i, CLAIM 8]")
    exclusion_criteria: Narrative = narrative("Exclusion criteria. [HTI-1 4.i, CLAIM 8]")
    countries: Narrative = narrative("Countries and sites of collection. [Healthsheet]")
    devices: Narrative = narrative(
        "Scanner vendors, models and acquisition settings. [Healthsheet, CLAIM 13]"
    )


class Preprocessing(Model):
    steps: Narrative = narrative(
        "Preprocessing, cleaning, labelling done. [Gebru 4.1, EU AI Act 10(2)(c)]"
    )
    raw_data_saved: Narrative = narrative("Was the raw data saved? [Gebru 4.2]")
    labeling: Narrative = narrative(
        "Labelling strategy, labellers, guidelines, inter-rater agreement. [Healthsheet, CLAIM "
        "14-18]"
    )


class Uses(Model):
    prior_uses: Narrative = narrative("Has the dataset been used already? [Gebru 5.1]")
    fairness_impact: Narrative = narrative(
        "Could composition or collection cause unfair treatment of groups? [Gebru 5.4] [F]"
    )
    tasks_to_avoid: Narrative = narrative("Tasks the dataset should not be used for. [Gebru 5.5]")


class Distribution(Model):
    license: Narrative = narrative("License and terms of use. [Gebru 6.x]")
    access: Narrative = narrative("How is the dataset distributed and accessed? [Gebru 6.x]")


class Maintenance(Model):
    maintainer: Narrative = narrative(
        "Who maintains the dataset and how to contact them. [Gebru 7.x]"
    )
    update_policy: Narrative = narrative(
        "Will it be updated; how are changes communicated? [Gebru 7.x, Healthsheet versioning]"
    )


class Governance(Model):
    """EU AI Act Art. 10 data governance."""

    design_choices: Narrative = narrative("Relevant design choices. [EU AI Act 10(2)(a)]")
    bias_examination: Narrative = narrative(
        "Examination for possible biases. [EU AI Act 10(2)(f)] [F]"
    )
    bias_mitigation: Narrative = narrative(
        "Measures to detect, prevent and mitigate biases. [EU AI Act 10(2)(g)] [F]"
    )
    data_gaps: Narrative = narrative(
        "Data gaps and how they are addressed. [EU AI Act 10(2)(h)] [F]"
    )
    special_category_processing: Narrative = narrative(
        "Processing of special-category data for bias detection and its safeguards. [EU AI Act "
        "10(5)] [F]"
    )


class Representativeness(Model):
    relevance_to_deployment: Narrative = narrative(
        "Relevance of the data to the deployed setting. [HTI-1 4.iv, EU AI Act 10(4)] [F]"
    )
    vs_target_population: Narrative = narrative(
        "How the data compares with the intended population. [EU AI Act 10(3), TRIPOD 5a] [F]"
    )


class Datasheet(DocumentBase):
    """A dataset's datasheet, manifest and subgroup definitions."""

    kind: Literal["Datasheet"] = Field(description="Document kind.")
    manifest: Manifest = Field(
        description="The dataset manifest (one row per image) and its labels."
    )
    attributes: dict[str, Attribute] = Field(
        min_length=1, description="Subgroup attributes by name."
    )
    intersections: list[list[str]] = Field(
        default_factory=list,
        description="Intersections of two or more attributes, e.g. [sex, age_band].",
    )
    motivation: Motivation = Field(description="Why the dataset exists. [Datasheets: Motivation]")
    composition: Composition = Field(
        description="What the dataset contains. [Datasheets: Composition]"
    )
    collection: Collection = Field(
        description="How the data was collected. [Datasheets: Collection process]"
    )
    preprocessing: Preprocessing = Field(
        description="Preprocessing, cleaning and labelling. [Datasheets: Preprocessing]"
    )
    uses: Uses = Field(description="Uses and misuses. [Datasheets: Uses]")
    distribution: Distribution = Field(
        description="Distribution and licensing. [Datasheets: Distribution]"
    )
    maintenance: Maintenance = Field(description="Maintenance. [Datasheets: Maintenance]")
    governance: Governance = Field(description="Data governance. [EU AI Act Art. 10(2)]")
    representativeness: Representativeness = Field(
        description="Representativeness for the intended population. [EU AI Act Art. 10(3)-(4)]"
    )
