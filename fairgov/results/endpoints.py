"""The measure a gate row refers to in the typed results.

A binary evaluation has one `measure`; a multilabel / multiclass evaluation (schema 1.3) has
one per label or class under `labels`, and a gate row names it with `label`.
"""

from __future__ import annotations

from fairgov.results.model import Evaluation, Gate, Measure, Results

__all__ = ["gate_measure", "measure_of"]


def measure_of(ev: Evaluation | None, label: str | None = None) -> Measure | None:
    """The evaluation's measure, or that of its label / class `label` (None: not measured)."""
    if ev is None:
        return None
    if label is None:
        return ev.measure
    end = ev.labels.get(label)
    return end.measure if end is not None else None


def gate_measure(results: Results, gate: Gate) -> Measure | None:
    """The measure behind a metric gate row (its evaluation's, or its label's)."""
    return measure_of(results.evaluations.get(gate.evaluation or ""), gate.label)
