"""Narrative answers and numbers as text for exports (Markdown or plain)."""

from __future__ import annotations

from typing import Any

from fairgov.spec.common import NotApplicable


def answer(value: Any, markdown: bool = True) -> str:
    """A narrative answer; `not_applicable` keeps its justification so nothing reads as answered."""
    if value is None:
        return ""
    if isinstance(value, NotApplicable):
        label = "*Not applicable:*" if markdown else "Not applicable:"
        return f"{label} {value.not_applicable}"
    return str(value)


def cell(text: Any) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def estimate(metric: dict[str, Any]) -> str:
    """`0.812 (0.761–0.858)`, or `undefined` when the metric has no value."""
    if metric.get("value") is None:
        return "undefined"
    if metric.get("ci_low") is None or metric.get("ci_high") is None:
        return number(metric["value"])
    return f"{number(metric['value'])} ({number(metric['ci_low'])}–{number(metric['ci_high'])})"
