"""Evaluation: which model on which data, with which protocol, thresholds and statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from fairgov.spec.common import DatasheetRef, DocumentBase, Model, ModelCardRef, RelPath, Text
from fairgov.spec.mitigation import Compare, Mitigation

# the vocabulary's names, re-exported for the spec models that use them
from fairgov.vocabulary import AGGREGATE_METRICS as AGGREGATE_METRICS
from fairgov.vocabulary import METRIC_NAMES as METRIC_NAMES
from fairgov.vocabulary import MetricName as Metric


class TaskLabel(Model):
    label: Text = Field(description="Name of a label declared in the datasheet manifest")
    positive: str = Field(description="The label value that is the positive class")


class Task(Model):
    type: Literal["binary", "multiclass", "multilabel"] = Field(
        default="binary",
        description="`binary`: one label, one positive class. `multilabel`: several labels "
        "(`labels`), each its own positive value, each evaluated one-vs-rest. `multiclass`: one "
        "label with several classes (`classes`), each class evaluated one-vs-rest, plus macro "
        "AUROC and balanced accuracy.",
    )
    label: Text | None = Field(
        default=None,
        description="Name of a label declared in the datasheet manifest (binary, multiclass).",
    )
    positive: str | None = Field(
        default=None, description="The label value that is the positive class (binary)."
    )
    labels: list[TaskLabel] | None = Field(
        default=None,
        min_length=1,
        description="The labels of a multilabel task, each with its positive value.",
    )
    classes: list[Text] | None = Field(
        default=None,
        min_length=2,
        description="The classes of a multiclass task, in order (default: the label's declared "
                    "classes).",
    )

    @model_validator(mode="after")
    def _shape(self) -> Task:
        need = {
            "binary": ("label", "positive"),
            "multiclass": ("label",),
            "multilabel": ("labels",),
        }[self.type]
        banned = {
            "binary": ("labels", "classes"),
            "multiclass": ("labels", "positive"),
            "multilabel": ("label", "positive", "classes"),
        }[self.type]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.type} task needs `{'`, `'.join(missing)}`")
        extra = [k for k in banned if getattr(self, k) is not None]
        if extra:
            raise ValueError(f"a {self.type} task does not take `{'`, `'.join(extra)}`")
        names = [t.label for t in self.labels or []] + list(self.classes or [])
        if len(set(names)) != len(names):
            raise ValueError("a label or class is named twice")
        return self

    def dump(self) -> dict[str, object]:
        """The task as results.json records it (a binary task as before: label and positive)."""
        return self.model_dump(mode="json", exclude_defaults=True)


class LinearProbe(Model):
    type: Literal["linear_probe"] = Field(
        description="Frozen FM embeddings -> L2 logistic regression."
    )
    regularization: list[Annotated[float, Field(gt=0)]] = Field(
        default=[0.001, 0.01, 0.1, 1.0, 10.0, 100.0],
        min_length=1,
        description="Inverse regularisation strengths C tried; chosen on validation by AUROC.",
    )
    max_iter: int = Field(default=1000, ge=10, le=100000, description="Optimiser iteration cap.")


class PredictionsFile(Model):
    type: Literal["predictions"] = Field(description="Bring-your-own scores file.")
    path: RelPath = Field(description="CSV or Parquet with an id column and a score column.")
    id_column: Text = Field(default="id", description="Column matching the manifest's id column.")
    score_column: Text = Field(default="score", description="Probability of the positive class.")
    score_columns: dict[str, Text] | None = Field(
        default=None,
        description="Per label or class: its score column (default `<score_column>_<name>`).",
    )
    sha256: str | None = Field(
        default=None, description="Optional pinned sha256 of the predictions file."
    )


class ZeroShot(Model):
    type: Literal["zero_shot"] = Field(
        description="CLIP zero-shot: image vs class prompt embeddings (open_clip backbones)."
    )
    prompts: dict[str, Annotated[list[Text], Field(min_length=1)]] = Field(
        description="Prompts per class value of the task's label (several are averaged); every "
                    "class needs some."
    )
    temperature: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Softmax temperature; default the model's learned 1/logit_scale.",
    )


Protocol = Annotated[LinearProbe | PredictionsFile | ZeroShot, Field(discriminator="type")]


class Splits(Model):
    source: Literal["column", "patient_hash"] = Field(
        default="column",
        description="Take splits from the manifest column, or derive a patient-level split.",
    )
    train: Text = Field(default="train", description="Split value used to fit the probe.")
    validation: Text = Field(
        default="validation", description="Split value used to choose C and fit the threshold."
    )
    test: Text = Field(default="test", description="Split value the metrics are reported on.")
    fractions: tuple[float, float, float] = Field(
        default=(0.6, 0.2, 0.2), description="train/validation/test fractions for `patient_hash`."
    )
    seed: int = Field(default=0, ge=0, description="Seed of the patient-level split.")

    @model_validator(mode="after")
    def _fractions(self) -> Splits:
        if abs(sum(self.fractions) - 1.0) > 1e-9 or min(self.fractions) <= 0:
            raise ValueError("fractions must be positive and sum to 1")
        return self


class Threshold(Model):
    policy: Literal["fixed", "target_fpr", "target_sensitivity", "max_f1", "youden"] = Field(
        description="How the operating threshold is fitted, always on the validation split."
    )
    value: float | None = Field(
        default=None, ge=0, le=1, description="Threshold (fixed) or target rate."
    )

    @model_validator(mode="after")
    def _needs_value(self) -> Threshold:
        if self.policy in ("fixed", "target_fpr", "target_sensitivity") and self.value is None:
            raise ValueError(f"threshold policy {self.policy!r} needs a `value`")
        return self


class Bootstrap(Model):
    resamples: int = Field(
        default=2000, ge=0, le=100000, description="Cluster bootstrap resamples (0 = none)."
    )
    level: float = Field(
        default=0.95, gt=0.5, lt=1, description="Confidence level of percentile intervals."
    )
    seed: int = Field(default=0, ge=0, description="Seed; the same seed gives identical results.")
    permutations: int = Field(
        default=1000, ge=0, le=100000, description="Permutations for the no-gap test."
    )
    interval: Literal["percentile", "bca", "normal", "studentized"] = Field(
        default="bca",
        description="Interval method of per-group metrics: `bca` (bias-corrected and accelerated, "
        "jackknife over patients), `normal` (estimate ± z × bootstrap SE), `studentized` "
        "(bootstrap-t with a cluster DeLong / sandwich SE per resample for AUROC and rates, BCa "
        "for the other metrics) or `percentile`. With any method but `percentile`, gaps and "
        "worst-group values get simultaneous max-t intervals over groups; `percentile` reproduces "
        "results schema 1.0. See benchmarks/statistics.py for the measured coverage of each.",
    )


class MinEvidence(Model):
    n: int = Field(default=0, ge=0, description="Minimum images per cell.")
    positives: int = Field(default=20, ge=0, description="Minimum positives per cell.")
    negatives: int = Field(default=20, ge=0, description="Minimum negatives per cell.")


class RayCompute(Model):
    address: str | None = Field(
        default=None,
        description="Existing Ray cluster to use (`auto` on a cluster node, `head:6379`, or a Ray "
        "Client `ray://head:10001`); unset: RAY_ADDRESS if set, else a private local Ray instance. "
        "The command line's ray address option overrides it.",
    )
    actors: int | None = Field(
        default=None,
        ge=1,
        le=4096,
        description="Actors that each hold a copy of the model; unset: one per GPU when actors get "
        "GPUs, else the cluster's CPUs divided by `cpus_per_actor` (never more than there are "
        "shards).",
    )
    cpus_per_actor: float | None = Field(
        default=None,
        gt=0,
        le=512,
        description="CPUs reserved by each actor, which also decodes its images; unset: 1 with "
        "GPUs, else the forward pass's thread count (`compute.threads`).",
    )
    gpus_per_actor: float | None = Field(
        default=None,
        ge=0,
        le=16,
        description="GPUs per actor; unset: 1 when the cluster has GPUs and the device is not cpu, "
                    "else none.",
    )


class Compute(Model):
    runner: Literal["local", "torchrun", "ray"] = Field(
        default="local",
        description="Where embeddings are computed: `local` (this process), `torchrun` (one "
        "process per GPU on one node, launched by torchrun) or `ray` (a Ray cluster; needs the ray "
        "extra). Every runner gives the same embeddings, bit for bit; the command line's runner "
        "option overrides it.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", description="Torch device.")
    batch_size: int = Field(default=32, ge=1, le=4096, description="Images per forward pass.")
    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="DataLoader worker processes for decoding (runner local/torchrun).",
    )
    shard_size: int = Field(
        default=256,
        ge=1,
        le=1_000_000,
        description="Rows per shard, rounded up to whole batches: the unit that is distributed, "
        "cached as Parquet, retried and resumed.",
    )
    retries: int = Field(
        default=2,
        ge=0,
        le=20,
        description="Further attempts for a failed shard before the evaluation stops.",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Threads of one CPU forward pass, the same in every runner's workers; unset: "
        "torch's default on the machine that runs fairgov. On CPU the count can change the last "
        "bits of an embedding.",
    )
    ray: RayCompute = Field(default_factory=RayCompute, description="Settings for `runner: ray`.")


class Evaluation(DocumentBase):
    """One evaluation run that produces subgroup metrics."""

    kind: Literal["Evaluation"] = Field(description="Document kind.")
    model: ModelCardRef
    dataset: DatasheetRef
    task: Task = Field(
        description="The prediction task: binary (which label, which positive class), multilabel "
                    "or multiclass."
    )
    protocol: Protocol = Field(
        description="How scores are produced: linear probe on FM embeddings, or a predictions file."
    )
    splits: Splits = Field(default_factory=Splits, description="Which rows fit, select and test.")
    threshold: Threshold = Field(
        description="How the operating threshold is fitted (on validation, never on test)."
    )
    subgroups: list[Text | list[Text]] = Field(
        min_length=1,
        description="Attributes to report; a list of two or more names is an intersection.",
    )
    metrics: list[Metric] = Field(
        default=list(METRIC_NAMES),  # type: ignore[arg-type]
        min_length=1,
        description="Metrics to compute.",
    )
    bootstrap: Bootstrap = Field(default_factory=Bootstrap, description="Uncertainty settings.")
    min_evidence: MinEvidence = Field(
        default_factory=MinEvidence, description="Minimum evidence per cell."
    )
    ece_bins: int = Field(default=10, ge=2, le=100, description="Equal-width ECE bins on [0, 1].")
    drop_invalid_rows: bool = Field(
        default=False,
        description="Drop (and report) rows with missing files or undeclared values instead of "
                    "stopping.",
    )
    compute: Compute = Field(default_factory=Compute, description="Compute settings.")
    mitigations: list[Mitigation] = Field(
        default_factory=list,
        description="Bias mitigations, each run as a full variant (metrics, intervals, gates) on "
        "the same test rows; the plain evaluation is the variant `baseline`.",
    )
    compare: Compare | None = Field(
        default=None,
        description="Paired comparison of candidates with a baseline (default: every mitigation "
                    "against `baseline`).",
    )
