"""What one evaluation run hands to the rest of the build: its outcome, its result record and
what its mitigation variants re-fit on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fairgov.diagnostics import Diagnostic
from fairgov.gates import EvalOutcome

__all__ = ["EvaluationRecord", "through_json"]


@dataclass
class EvaluationRecord:
    ref: str
    outcome: EvalOutcome
    result: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    predictions: pd.DataFrame | None = None
    run_stats: dict[str, Any] = field(default_factory=dict)
    #: what mitigation variants need from this run (fairgov.pipeline.variants); never written out
    probe_inputs: dict[str, Any] | None = None


def through_json(result: dict[str, Any]) -> dict[str, Any]:
    """The record exactly as a later run will read it back from the cache (tuples become
    lists...), so that the gates see the same values cold and warm."""
    return json.loads(json.dumps(result, sort_keys=True))
