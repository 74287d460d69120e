"""Bias mitigation algorithms: group-balanced weights and resampling, group DRO for the
linear probe, and per-group decision thresholds fitted on validation rows, and partial fine-tuning
of a
backbone (last N blocks or LoRA; torch is imported only when fine-tuning runs).

Pure numpy/scipy; nothing here is ever fitted on test rows (the callers pass train and
validation rows only; test rows are only scored).
"""

from __future__ import annotations

from fairgov.evaluate.finetune import FineTuneConfig, FineTuneResult, fine_tune
from fairgov.mitigate.dro import GroupDROResult, fit_group_dro, group_dro
from fairgov.mitigate.errors import MitigationError
from fairgov.mitigate.thresholds import OBJECTIVES, GroupThresholds, fit_group_thresholds
from fairgov.mitigate.variants import PROBE_VARIANTS, fit_probe_variant
from fairgov.mitigate.weights import balanced_resample, balanced_weights

__all__ = [
    "OBJECTIVES",
    "PROBE_VARIANTS",
    "FineTuneConfig",
    "FineTuneResult",
    "GroupDROResult",
    "GroupThresholds",
    "MitigationError",
    "balanced_resample",
    "balanced_weights",
    "fine_tune",
    "fit_group_dro",
    "fit_group_thresholds",
    "fit_probe_variant",
    "group_dro",
]
