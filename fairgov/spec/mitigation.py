"""Bias mitigations declared in an Evaluation: each one is run as a full variant on the same
test rows (issue 14). The plain evaluation is always the variant `baseline`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag, model_validator

from fairgov.spec.common import Model, Text

BASELINE = "baseline"
VariantId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
    Field(
        description="Variant id, unique in the evaluation; `baseline` is reserved for the plain "
                    "evaluation."
    ),
]
#: pipeline stage of each mitigation type (the lifecycle view links interventions to it)
STAGE = {
    "reweight": "data",
    "resample": "data",
    "group_dro": "training",
    "fine_tune": "training",
    "group_thresholds": "decision",
}
#: types that re-fit the linear probe (need `protocol: linear_probe` and the train embeddings)
REFIT = ("reweight", "resample", "group_dro")


class _Grouped(Model):
    id: VariantId
    title: str | None = Field(default=None, description="Short human title for reports.")
    by: list[Text] = Field(
        min_length=1,
        description="Datasheet attribute(s) the groups come from; several = their intersection.",
    )


class Reweight(_Grouped):
    type: Literal["reweight"] = Field(
        description="Data stage: group-balanced sample weights on the probe's train rows."
    )
    with_label: bool = Field(
        default=False, description="Balance attribute × label cells instead of attribute groups."
    )


class Resample(_Grouped):
    type: Literal["resample"] = Field(
        description="Data stage: group-balanced resampling (with replacement) of the train rows."
    )
    with_label: bool = Field(
        default=False, description="Balance attribute × label cells instead of attribute groups."
    )
    seed: int = Field(default=0, ge=0, description="Seed of the resampling.")


class GroupDRO(_Grouped):
    type: Literal["group_dro"] = Field(
        description="Training stage: worst-group (online group DRO) linear probe."
    )
    step_size: float = Field(
        default=0.01, gt=0, le=10, description="Exponentiated-gradient step on the group weights."
    )


class GroupThresholds(_Grouped):
    type: Literal["group_thresholds"] = Field(
        description="Decision stage: per-group thresholds on the baseline scores, fitted on "
                    "validation."
    )
    objective: Literal["target_sensitivity", "equal_opportunity", "equalized_odds"] = Field(
        description="What the per-group thresholds achieve."
    )
    value: float | None = Field(
        default=None, gt=0, lt=1, description="Target TPR of `target_sensitivity`."
    )
    randomized: bool = Field(
        default=False,
        description="Allow randomised thresholds (needed for equalized odds to hold exactly).",
    )
    seed: int = Field(default=0, ge=0, description="Seed of randomised decisions.")

    @model_validator(mode="after")
    def _value(self) -> GroupThresholds:
        if self.objective == "target_sensitivity" and self.value is None:
            raise ValueError("objective `target_sensitivity` needs a `value` (the target TPR)")
        return self


class LoraAdapter(Model):
    type: Literal["lora"] = Field(description="Low-rank adapter (peft).")
    r: int = Field(default=4, ge=1, le=256, description="Adapter rank.")
    alpha: float = Field(default=8, gt=0, description="LoRA scaling alpha.")


class FineTune(Model):
    id: VariantId
    title: str | None = Field(default=None, description="Short human title for reports.")
    type: Literal["fine_tune"] = Field(
        description="Training stage: partial fine-tune of the backbone, or a LoRA adapter."
    )
    blocks: int | None = Field(
        default=None, ge=1, le=100, description="Unfreeze the last N blocks."
    )
    adapter: LoraAdapter | None = Field(
        default=None, description="Train a small adapter instead of unfreezing blocks."
    )
    epochs: int = Field(default=1, ge=1, le=100, description="Training epochs.")
    by: list[Text] = Field(
        default_factory=list,
        description="Attributes whose groups are balanced in the loss (optional).",
    )

    @model_validator(mode="after")
    def _one(self) -> FineTune:
        if (self.blocks is None) == (self.adapter is None):
            raise ValueError("give exactly one of `blocks` or `adapter`")
        return self


def _mitigation_type(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return f"mitigation:{kind}"


Mitigation = Annotated[
    Annotated[Reweight, Tag("mitigation:reweight")]
    | Annotated[Resample, Tag("mitigation:resample")]
    | Annotated[GroupDRO, Tag("mitigation:group_dro")]
    | Annotated[GroupThresholds, Tag("mitigation:group_thresholds")]
    | Annotated[FineTune, Tag("mitigation:fine_tune")],
    Discriminator(_mitigation_type),
]


class Compare(Model):
    baseline: VariantId = Field(
        default=BASELINE, description="The arm every candidate is compared with."
    )
    candidates: list[VariantId] | None = Field(
        default=None, description="Variants compared with the baseline; default every mitigation."
    )


def variant_ids(evaluation: Any) -> list[str]:
    return [BASELINE, *(m.id for m in getattr(evaluation, "mitigations", None) or [])]


def compared(evaluation: Any) -> tuple[str, list[str]]:
    """(baseline id, candidate ids) of an evaluation's comparison; no mitigations: no candidates."""
    cmp = getattr(evaluation, "compare", None)
    mits = [m.id for m in getattr(evaluation, "mitigations", None) or []]
    if cmp is None:
        return BASELINE, mits
    cands = mits if cmp.candidates is None else list(cmp.candidates)
    return cmp.baseline, [c for c in cands if c != cmp.baseline]
