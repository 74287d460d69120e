"""The measure a gate row refers to in a results.json object (plain dicts, any schema version).

A binary evaluation has one `measure`; a multilabel / multiclass evaluation (schema 1.3) has
one per label or class under `labels`, and a gate row names it with `label`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["gate_measure", "measure_of"]


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
