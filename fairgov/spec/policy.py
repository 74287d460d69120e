"""Policy: pass/fail gates over subgroup metrics and documentation, plus waivers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from fairgov.spec.common import DocumentBase, EvaluationRef, Id, Model, PolicyRef, Text
from fairgov.spec.comparison_gate import ComparisonGate
from fairgov.spec.evaluation import AGGREGATE_METRICS, Metric
from fairgov.vocabulary import AggregateMetricName, GateStatistic

Severity = Literal["block", "warn"]
Bound = Literal["conservative", "point", "upper", "lower"]
EACH = "each"
"""`group: each` of `statistic: difference`: every group against the reference (the family)."""
REST = "rest"
"""`reference: rest` of `statistic: difference`: every other row of the test split pooled."""


class GateBase(Model):
    id: Id
    title: str | None = Field(default=None, description="Short human title for reports.")
    severity: Severity = Field(
        default="block", description="`block` fails the build; `warn` only reports."
    )
    rationale: str | None = Field(
        default=None, description="Why the gate exists (shown in reports)."
    )


class MetricGate(GateBase):
    """Statistical gate, e.g. "upper 95% bound of the AUROC gap across sex <= 0.05"."""

    type: Literal["metric"] = Field(default="metric", description="Gate on a subgroup metric.")
    metric: Metric | AggregateMetricName = Field(description="Metric the gate checks.")
    across: list[Text] = Field(
        min_length=1, description="Attribute(s) spanned; two or more = intersection."
    )
    statistic: GateStatistic = Field(
        description="Aggregate over the groups, one group's value, or `difference`: the signed "
        "difference `group` minus `reference` with its interval."
    )
    group: str | None = Field(
        default=None,
        description="Group label for `statistic: group` or `difference`; `each` (difference): "
        "every group against the reference, judged together (simultaneous max-t intervals; the "
        "extreme difference is compared).",
    )
    label: Text | None = Field(
        default=None,
        description="Multilabel / multiclass evaluations: the label or class checked, or `macro` "
        "for the macro AUROC (`metric: auroc`) or balanced accuracy (`metric: balanced_accuracy`) "
        "of a multiclass task. Unset: every label, one gate row each.",
    )
    reference: str | None = Field(
        default=None,
        description="Reference of `statistic: difference` (the value is group − reference): a "
        "group label, or `rest`: every other row of the test split pooled.",
    )
    multiplicity: Literal["max-t", "holm"] = Field(
        default="max-t",
        description="Gap gates over more than two groups: `max-t` compares the simultaneous "
        "(max-t) interval of the max-min gap; `holm` tests every pair: it fails when a "
        "Holm-adjusted one-sided test finds a pair beyond the limit and passes when every pair's "
        "interval lies within ±limit (each pair an equivalence test).",
    )
    estimator: Literal["plug_in", "debiased"] = Field(
        default="plug_in",
        description="For `metric: ece`: gate on the plug-in ECE (biased upward in small bins) or "
        "the debiased estimator reported beside it.",
    )
    max: float | None = Field(default=None, description="Pass when the compared number is <= max.")
    min: float | None = Field(default=None, description="Pass when the compared number is >= min.")
    bound: Bound = Field(
        default="conservative",
        description="Number compared: CI bound on the side of the limit (conservative), point "
                    "estimate, or a fixed bound.",
    )
    evaluations: list[EvaluationRef] | None = Field(
        default=None, description="Evaluations the gate applies to; empty = every evaluation."
    )
    decisive: bool = Field(
        default=False,
        description="Require the whole interval on one side; a straddling interval is "
        "inconclusive. Since results schema 1.1 this is the default rule (a failure needs the "
        "whole interval beyond the limit); kept for compatibility.",
    )
    inconclusive_blocks: bool = Field(
        default=True, description="Inconclusive blocks (fail closed) unless false."
    )

    @model_validator(mode="after")
    def _limits(self) -> MetricGate:
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of `max` or `min`")
        if self.statistic == "group" and not self.group:
            raise ValueError("`statistic: group` needs `group`")
        if self.statistic == "difference" and not (
            self.group and self.reference and self.group != self.reference
        ):
            raise ValueError("`statistic: difference` needs `group` and a different `reference`")
        if self.statistic != "difference" and (self.group == EACH or self.reference is not None):
            raise ValueError("`group: each` and `reference` belong to `statistic: difference`")
        if self.multiplicity == "holm" and (
            self.statistic != "gap" or self.metric in AGGREGATE_METRICS
        ):
            raise ValueError(
                "`multiplicity: holm` applies to `statistic: gap` of a per-group metric"
            )
        if self.multiplicity == "holm" and (self.max is None or self.max <= 0):
            raise ValueError("`multiplicity: holm` needs a positive `max` (gap gates cap the gap)")
        if self.estimator == "debiased" and (
            self.metric != "ece" or self.statistic not in ("group", "worst")
        ):
            raise ValueError(
                "`estimator: debiased` applies to `metric: ece` with `statistic: group` or `worst`"
            )
        if self.metric in AGGREGATE_METRICS and self.statistic not in ("gap",):
            raise ValueError(f"{self.metric} is already an aggregate; use `statistic: gap`")
        return self


class RequiredFieldsGate(GateBase):
    type: Literal["required_fields"] = Field(
        description="Fields that must be present and answered."
    )
    document: Literal["Datasheet", "ModelCard", "DeploymentProtocol"] = Field(
        description="Document kind checked."
    )
    fields: list[Text] = Field(
        min_length=1, description="Dotted field paths, e.g. `fairness.approach`."
    )
    allow_not_applicable: bool = Field(
        default=True, description="A justified not_applicable answer counts."
    )


class CoverageGate(GateBase):
    type: Literal["coverage"] = Field(description="Standards coverage of a document kind.")
    standard: Text = Field(description="Standard edition id, e.g. `hti1-2024`.")
    min: float = Field(ge=0, le=1, description="Minimum fraction of items covered (1 = all).")


class AxesEvaluatedGate(GateBase):
    type: Literal["axes_evaluated"] = Field(
        description="Every intended-population axis of a deployment is evaluated."
    )


class ThresholdMatchGate(GateBase):
    type: Literal["threshold_match"] = Field(
        description="The deployment's operating threshold is the evaluated one."
    )
    tolerance: float = Field(default=1e-6, ge=0, description="Allowed absolute difference.")


def _gate_type(value: Any) -> str:
    if isinstance(value, dict):
        return "gate:" + str(value.get("type", "metric"))
    return "gate:" + str(getattr(value, "type", "metric"))


Gate = Annotated[
    Annotated[MetricGate, Tag("gate:metric")]
    | Annotated[RequiredFieldsGate, Tag("gate:required_fields")]
    | Annotated[CoverageGate, Tag("gate:coverage")]
    | Annotated[AxesEvaluatedGate, Tag("gate:axes_evaluated")]
    | Annotated[ThresholdMatchGate, Tag("gate:threshold_match")],
    Discriminator(_gate_type),
]


class Waiver(Model):
    gate: Id = Field(description="Id of the waived gate.")
    owner: Text = Field(description="Who owns the risk while the waiver is active.")
    justification: Text = Field(description="Why the gate may be waived.")
    ticket: Text = Field(description="Tracking ticket.")
    expires: dt.date = Field(description="Expiry date; after it the waiver no longer waives.")


class Policy(DocumentBase):
    """A set of gates decided by a governance board."""

    kind: Literal["Policy"] = Field(description="Document kind.")
    extends: PolicyRef | None = Field(
        default=None, description="Organisation policy this one extends."
    )
    holm: bool = Field(
        default=False,
        description="Holm-adjust permutation p-values across gap gates of one evaluation.",
    )
    alpha: float = Field(
        default=0.05, gt=0, lt=1, description="Significance level for Holm-adjusted gap tests."
    )
    gates: list[Gate] = Field(default_factory=list, description="The gates.")
    waivers: list[Waiver] = Field(default_factory=list, description="Waivers of gates.")
    comparisons: list[ComparisonGate] = Field(
        default_factory=list,
        description="Gates on paired comparisons of an evaluation's variants (a mitigation against "
                    "its baseline).",
    )
