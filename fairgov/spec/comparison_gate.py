"""Comparison gates: a candidate variant of an evaluation judged against its baseline on a
paired difference (issue 14), e.g. "the deployed variant must not be worse than the baseline
on any group's TPR by more than 0.02, judged on the upper bound"."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from fairgov.spec.common import EvaluationRef, Id, Model, Text
from fairgov.spec.evaluation import Metric
from fairgov.spec.mitigation import BASELINE, VariantId


class ComparisonGate(Model):
    id: Id
    title: str | None = Field(default=None, description="Short human title for reports.")
    severity: Literal["block", "warn"] = Field(
        default="block", description="`block` fails the build; `warn` only reports."
    )
    rationale: str | None = Field(
        default=None, description="Why the gate exists (shown in reports)."
    )
    evaluation: EvaluationRef = Field(description="The evaluation whose variants are compared.")
    candidate: VariantId = Field(description="The variant judged (usually the deployed one).")
    baseline: VariantId = Field(default=BASELINE, description="The arm it is compared with.")
    metric: Metric = Field(description="Metric compared.")
    across: list[Text] = Field(
        default_factory=list, description="Attribute(s) spanned; empty with `statistic: overall`."
    )
    statistic: Literal["each_group", "group", "gap", "worst", "overall"] = Field(
        description="Every group (`each_group`), one `group`, the `gap` or `worst` group, or "
                    "`overall`."
    )
    group: str | None = Field(default=None, description="Group label for `statistic: group`.")
    label: str | None = Field(
        default=None,
        description="The label (multilabel) or class (multiclass) whose endpoint comparison is "
        "judged; required on those tasks, absent on a binary one.",
    )
    max_worsening: float = Field(
        ge=0, description="Largest tolerated worsening against the baseline, in the metric's units."
    )
    bound: Literal["upper", "point"] = Field(
        default="upper",
        description="Judge the upper bound of the paired worsening's interval, or its point "
                    "estimate.",
    )
    inconclusive_blocks: bool = Field(
        default=True, description="Inconclusive blocks (fail closed) unless false."
    )

    @model_validator(mode="after")
    def _shape(self) -> ComparisonGate:
        if self.statistic == "overall" and self.across:
            raise ValueError("`statistic: overall` spans no attribute; leave `across` empty")
        if self.statistic != "overall" and not self.across:
            raise ValueError(f"`statistic: {self.statistic}` needs `across`")
        if self.statistic == "group" and not self.group:
            raise ValueError("`statistic: group` needs `group`")
        if self.candidate == self.baseline:
            raise ValueError("`candidate` and `baseline` must differ")
        return self
