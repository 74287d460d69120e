"""The measure a gate row refers to in a results.json object (plain dicts, any schema version,
or the typed model: `typed_*`).

A binary evaluation has one `measure`; a multilabel / multiclass evaluation (schema 1.3) has
one per label or class under `labels`, and a gate row names it with `label`.
"""

from __future__ import annotations

from typing import Any

from fairgov.results.model import Evaluation, Gate, Measure, Results

__all__ = ["gate_measure", "measure_of", "typed_gate_measure", "typed_measure"]


def measure_of(ev: dict[str, Any] | None, label: str | None = None) -> dict[str, Any] | None:
    """The evaluation's measure, or that of its label / class `label` (None: not measured)."""
    if not ev:
        return None
    if label is None:
        return ev.get("measure")
    return ((ev.get("labels") or {}).get(label) or {}).get("measure")


def gate_measure(results: dict[str, Any], gate: dict[str, Any]) -> dict[str, Any] | None:
    """The measure behind a metric gate row (its evaluation's, or its label's)."""
    ev = (results.get("evaluations") or {}).get(gate.get("evaluation") or "")
    return measure_of(ev, gate.get("label"))


def typed_measure(ev: Evaluation | None, label: str | None = None) -> Measure | None:
    """`measure_of` for the typed model: the evaluation's measure, or its label's / class's."""
    if ev is None:
        return None
    if label is None:
        return ev.measure
    end = ev.labels.get(label)
    return end.measure if end is not None else None


def typed_gate_measure(results: Results, gate: Gate) -> Measure | None:
    """`gate_measure` for the typed model (what the renderer reads)."""
    return typed_measure(results.evaluations.get(gate.evaluation or ""), gate.label)
