"""The pydantic models of results.json (see the package docstring)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fairgov.jsonout import dumps
from fairgov.reasons import Reason

#: 1.2: every gate records `reasons` (code, params, English text) beside the English `reason`,
#: and its `rationale`; evaluations gain mitigation `variants` and their paired `comparisons`,
#: gates the type `comparison`; 1.1 files are still read (`parse`, `fairgov diff`).
#: 1.3: multilabel / multiclass evaluations: `labels` (one endpoint per label or class, each
#: with its threshold and measure; the evaluation's own `measure` and `threshold` are then
#: absent) and, for multiclass, `task_metrics`; gates gain `label`.
#: 1.4: a stat's reason is structured too: `reasons` (code, params, English text) beside the
#: English `reason`, and a cell's `evidence_reasons` beside `evidence_reason`.
#: 1.5: an endpoint of a multilabel / multiclass evaluation may hold `variants` (its
#: group_thresholds mitigations, fitted on that endpoint's score) and their paired
#: `comparisons`; comparison gates gain `label`.
RESULTS_SCHEMA_VERSION = "1.5"
READABLE_VERSIONS = ("1.1", "1.2", "1.3", "1.4", "1.5")

Num = float | int | None


class Section(BaseModel):
    """A results.json object: unknown keys are an error, keys absent from the file stay absent
    when it is written again (`dump` leaves out what was never set)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonRecord(Section):
    """A structured reason (fairgov.reasons.Reason): code, parameters and its English text."""

    code: str
    params: dict[str, Any] = Field(default_factory=dict)
    text: str


def structured(records: list[ReasonRecord]) -> list[Reason] | None:
    """Records as `Reason`s (None when there are none: a file written before they existed)."""
    return [Reason.from_dict(r.model_dump()) for r in records] or None


class Difference(Section):
    """Signed difference `group` - `reference` (`rest`: every other row pooled) with its
    marginal and simultaneous (max-t over its family) intervals; `se`: bootstrap standard error."""

    group: str
    reference: str
    value: Num
    ci_low: Num
    ci_high: Num
    sim_low: Num
    sim_high: Num
    se: Num = None


class Stat(Section):
    """A metric value with its interval; value null means undefined and `reason` says why.
    `debiased` (ECE): the debiased estimator with its own interval."""

    value: Num
    ci_low: Num = None
    ci_high: Num = None
    reason: str | None = None
    reasons: list[ReasonRecord] = Field(
        default_factory=list, description="since 1.4: `reason` as codes and parameters"
    )
    debiased: Stat | None = None

    def why(self) -> list[Reason] | None:
        """The structured reasons (None: none recorded, or a file older than 1.4)."""
        return structured(self.reasons)


class Aggregate(Stat):
    """An aggregate over the groups of an attribute (gap, worst, ratio, to_overall, or an
    equalized-odds difference). `fair_upper`: quantiles 5%..95% of the simultaneous upper bound
    under a true gap of 0; `differences`: signed pairwise differences group - reference."""

    debiased: Aggregate | None = None
    p_value: Num = None
    group: str | None = None
    included: list[str] = Field(default_factory=list)
    interval: str | None = None
    fair_upper: list[Num] | None = None
    differences: list[Difference] = Field(default_factory=list)
    versus_rest: list[Difference] = Field(
        default_factory=list,
        description="each group minus every other row pooled (additive in 1.2)",
    )


class Cell(Section):
    """Metrics of one group (or overall); counts are rows and distinct patients (clusters)."""

    n: int = Field(ge=0)
    n_pos: int = Field(ge=0)
    n_neg: int = Field(ge=0)
    n_clusters: int | None = None
    evidence_reason: str | None = None
    evidence_reasons: list[ReasonRecord] = Field(
        default_factory=list, description="since 1.4: `evidence_reason` as codes and parameters"
    )
    metrics: dict[str, Stat]


class AttributeBlock(Section):
    groups: dict[str, Cell]
    aggregates: dict[str, Aggregate | dict[str, Aggregate]]


class Bootstrap(Section):
    resamples: int
    level: float
    seed: int | None
    stratified: bool
    min_stratum_clusters: int
    method: str
    interval: str


class Permutation(Section):
    permutations: int
    seed: int | None
    method: str


class MinEvidence(Section):
    n: int
    positives: int
    negatives: int


class CalibrationBin(Section):
    bin_low: float
    bin_high: float
    n: int
    mean_score: Num
    mean_label: Num


class Calibration(Section):
    overall: list[CalibrationBin]
    attributes: dict[str, dict[str, list[CalibrationBin]]]


class Measure(Section):
    """Subgroup metrics of the test split (fairgov.metrics.MeasureResult.to_dict)."""

    threshold: Num
    n: int
    n_pos: int
    n_neg: int
    n_clusters: int
    bootstrap: Bootstrap
    permutation: Permutation
    min_evidence: MinEvidence
    ece_bins: int
    aggregate_unknown: bool
    overall: Cell
    attributes: dict[str, AttributeBlock]
    calibration: Calibration | None = None  # monitoring periods leave it out
    decisions: str | None = Field(
        default=None,
        description="Set when threshold metrics come from per-row decisions "
        "(a group-threshold mitigation variant), not from one threshold.",
    )


class Threshold(Section):
    policy: str
    target: Num = None
    value: float
    fitted_on: Literal["validation"]


class Endpoint(Section):
    """One label (multilabel) or class (multiclass) of an evaluation, measured one-vs-rest."""

    column: str = Field(description="The manifest column of the label.")
    positive: str = Field(description="The value counted positive (the class, for multiclass).")
    threshold: Threshold
    measure: Measure
    variants: dict[str, Variant] = Field(
        default_factory=dict,
        description="since 1.5: mitigation variants of this endpoint (group_thresholds; "
        "reweight, resample, group_dro re-fit the probe)",
    )
    comparisons: list[Comparison] = Field(
        default_factory=list, description="since 1.5: their paired comparisons"
    )


class TaskCell(Section):
    """Task-level metrics of one cell (overall or a group): macro AUROC, balanced accuracy."""

    n: int = Field(ge=0)
    n_clusters: int = Field(ge=0)
    class_counts: dict[str, int]
    metrics: dict[str, Stat]


class TaskAttribute(Section):
    groups: dict[str, TaskCell]
    gaps: dict[str, Aggregate] = Field(
        description="Largest minus smallest group value, per metric."
    )


class TaskMetrics(Section):
    """Multiclass task-level metrics (fairgov/metrics/multiclass.py), percentile bootstrap CIs."""

    classes: list[str]
    interval: str
    resamples: int
    level: float
    seed: int | None
    overall: TaskCell
    attributes: dict[str, TaskAttribute]


class Composition(Section):
    """Group counts of one attribute per split (every split is written, maybe empty)."""

    train: dict[str, int] = Field(default_factory=dict)
    validation: dict[str, int] = Field(default_factory=dict)
    test: dict[str, int] = Field(default_factory=dict)

    def split(self, name: str) -> dict[str, int]:
        """The group counts of split `name` (train, validation, test)."""
        counts: dict[str, int] = getattr(self, name)
        return counts


class Evaluation(Section):
    """One evaluation: what ran (or the error that stopped it) and what it measured."""

    id: str
    title: str | None = None
    model: str
    dataset: str
    protocol: str
    task: dict[str, Any] = Field(default_factory=dict)
    subgroups: list[str]
    status: Literal["ok", "error"]
    error: str | None
    code: str | None = None
    threshold: Threshold | None = None
    composition: dict[str, Composition] = Field(default_factory=dict)
    dropped: dict[str, Any] = Field(default_factory=dict)
    measure: Measure | None = None
    provenance: dict[str, Any] = Field(default_factory=dict)
    variants: dict[str, Variant] = Field(default_factory=dict, description="since 1.2")
    comparisons: list[Comparison] = Field(default_factory=list, description="since 1.2")
    labels: dict[str, Endpoint] = Field(
        default_factory=dict, description="since 1.3: multilabel / multiclass endpoints by name"
    )
    task_metrics: TaskMetrics | None = Field(default=None, description="since 1.3: multiclass only")


class ComparisonRow(Section):
    """One statistic of a paired comparison: both arms' estimates and the paired difference."""

    key: str
    metric: str
    statistic: Literal["overall", "group", "gap", "worst"]
    across: str | None = None
    group: str | None = None
    baseline: Num
    candidate: Num
    difference: Num
    ci_low: Num
    ci_high: Num
    defined: float | None = Field(
        default=None, description="Share of replicates defined in both arms."
    )


class Comparison(Section):
    """A candidate variant against its baseline (fairgov.mitigate.compare): the same patients
    resampled in the same bootstrap replicate for both arms."""

    baseline: str
    candidate: str
    status: Literal["ok", "error"]
    error: str | None = None
    paired: bool | None = None
    level: float | None = None
    interval: str | None = None
    resamples: int | None = None
    rows: list[ComparisonRow] = Field(default_factory=list)

    def row(self, key: str) -> ComparisonRow | None:
        """The row of statistic `key` (None: the comparison has none)."""
        return next((r for r in self.rows if r.key == key), None)


class Variant(Section):
    """A mitigation variant of an evaluation (fairgov.pipeline.variants), on the same test rows."""

    id: str
    title: str | None = None
    mitigation: dict[str, Any] = Field(
        description="The mitigation's spec plus the stage it acts on."
    )
    status: Literal["ok", "error"]
    error: str | None = None
    code: str | None = None
    threshold: dict[str, Any] | None = Field(
        default=None, description="As the evaluation's, or per-group thresholds (group_thresholds)."
    )
    probe: dict[str, Any] | None = None
    measure: Measure | None = None
    gates: list[Gate] = Field(
        default_factory=list,
        description="The applied policies' metric gates on this variant (informational: the "
        "verdict judges the evaluation as declared).",
    )
    gates_summary: dict[str, Any] | None = None


class Source(Section):
    file: str
    line: int
    col: int


class Waiver(Section):
    policy: str
    gate: str
    owner: str
    justification: str
    ticket: str | None = None
    expires: str
    active: bool
    status: Literal["active", "expired"]


class Gate(Section):
    """One gate applied to one evaluation (or the documentation): fairgov.gates.GateResult."""

    id: str
    gate: str
    policy: str
    type: Literal[
        "metric", "required_fields", "coverage", "axes_evaluated", "threshold_match", "comparison"
    ]
    title: str
    severity: Literal["block", "warn"]
    outcome: Literal["pass", "fail", "inconclusive"]
    status: Literal["pass", "fail", "inconclusive", "waived", "warn"]
    blocking: bool
    evaluation: str | None = None
    metric: str | None = None
    label: str | None = Field(default=None, description="since 1.3: the label / class, or `macro`")
    across: str | None = None
    statistic: str | None = None
    group: str | None = None
    bound: str | None = None
    op: Literal["<=", ">=", "=="] | None = None
    threshold: Num = None
    compared: Num = None
    value: Num = None
    ci_low: Num = None
    ci_high: Num = None
    p_value: Num = None
    p_adjusted: Num = None
    reason: str
    reasons: list[ReasonRecord] = Field(default_factory=list, description="since 1.2")
    rationale: str | None = Field(default=None, description="since 1.2")
    details: dict[str, Any] = Field(default_factory=dict)
    waiver: Waiver | None = None
    source: Source | dict[str, Any] = Field(default_factory=dict)


class Verdict(Section):
    status: Literal["passed", "blocked"]
    blocking: int
    counts: dict[str, int]
    summary: str


class Project(Section):
    id: str
    title: str
    version: str | None = None


class CoverageItem(Section):
    id: str
    title: str
    group: str | None = None
    fairness: bool
    optional: bool
    match: str
    refs: list[str]
    unmapped: bool
    covered: bool
    answered_by: list[str]
    missing_fields: list[str]
    not_applicable: bool
    justifications: dict[str, str]


class CoverageRecord(Section):
    standard: str
    title: str
    edition: str | None = None
    source: str | None = None
    status_note: str | None = None
    covered: int
    total: int
    fraction: float
    required_covered: int
    required_total: int
    missing: list[str]
    missing_required: list[str]
    items: list[CoverageItem]


class Input(Section):
    path: str
    sha256: str
    role: str


class Seeds(Section):
    """The seeds one evaluation ran with (null: drawn from the system)."""

    bootstrap: int | None = None


class Provenance(Section):
    fairgov_version: str
    build_date: str
    build_date_source: str | None = None
    inputs: list[Input]
    seeds: dict[str, Seeds]
    command: list[str]


class Results(Section):
    """results.json: the machine-readable truth of a build."""

    schema_version: Literal["1.1", "1.2", "1.3", "1.4", "1.5"]
    fairgov_version: str
    build_date: str = Field(json_schema_extra={"format": "date"})
    project: Project | None
    verdict: Verdict
    gates: list[Gate]
    waivers: list[Waiver]
    evaluations: dict[str, Evaluation]
    coverage: dict[str, CoverageRecord]
    provenance: Provenance


def measures(results: Results) -> Iterator[tuple[str, Measure]]:
    """(label, measure) of every evaluation and of each mitigation variant (`ref#variant`)."""
    for ref, ev in results.evaluations.items():
        if ev.measure is not None:
            yield ref, ev.measure
        for name, end in sorted(ev.labels.items()):
            yield f"{ref}@{name}", end.measure
            for vid, var in sorted(end.variants.items()):
                if var.measure is not None:
                    yield f"{ref}@{name}#{vid}", var.measure
        for vid, var in sorted(ev.variants.items()):
            if var.measure is not None:
                yield f"{ref}#{vid}", var.measure


def parse(data: dict[str, Any] | str | bytes) -> Results:
    """A results.json (its text or its parsed JSON) as `Results`; pydantic's ValidationError
    when it does not match the schema (any version in READABLE_VERSIONS)."""
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    return Results.model_validate(data)


def plain(results: Results) -> dict[str, Any]:
    """The JSON object results.json holds (keys never set are left out, as they were read)."""
    return results.model_dump(mode="json", exclude_unset=True)


def dump(results: Results) -> str:
    """The exact text of results.json (sorted keys, fixed separators: byte-identical builds)."""
    return dumps(plain(results))


def results_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of results.json, generated from `Results`."""
    schema = Results.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://fairgov.invalid/schemas/results.schema.json",
        **schema,
        "title": "fairgov results.json",
        "description": (
            "Machine-readable results of a fairgov build (generated from "
            "fairgov.results.Results). schema_version follows semver: a minor bump adds keys, "
            "a major one removes or changes them."
        ),
    }
