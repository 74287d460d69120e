"""Structured reasons: what the gates (and the metrics layer) say about an outcome, as a code
and its parameters, never as a sentence another module has to parse.

A `Reason` renders its English text from `ENGLISH[code]` (a `str.format` template: the
parameters keep their raw values, the template says how they are written); results.json
stores code, params and that text. Reports in other languages translate from the code
(fairgov/render/reasons.py maps each code to its catalog message). A parameter may itself
be a Reason (or a list of them), e.g. the per-group cells of "evidence too thin".
A gate's reason is a sequence of Reasons, written joined by "; ".
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: code -> English template (str.format syntax). The code is the contract; the text may change.
ENGLISH: dict[str, str] = {
    # the decision rule (fairgov/gates/compare.py)
    "statistic-undefined": "statistic undefined",
    "point-compared": "point estimate compared",
    "no-interval": "no interval",
    "point-violates": "point estimate violates the limit",
    "no-bootstrap": "no confidence interval (bootstrap disabled)",
    "bound-meets": "interval bound meets the limit",
    "interval-violates": "whole interval violates the limit",
    "straddles": "interval straddles the limit: more evidence needed",
    "holm-not-significant": "Holm-adjusted p = {p:.3g} ≥ α = {alpha:g}: the gap is not distinguishable from noise",
    # `multiplicity: holm` gap gates (fairgov/gates/pairwise.py)
    "holm-pair-exceeds": "pair {pair} exceeds the limit (Holm-adjusted p = {p:.3g} < α = {alpha:g})",
    "holm-pairs-within": "every pair's interval lies within ± the limit ({count} pairs)",
    "holm-undecided": "no pair shown beyond the limit (smallest Holm-adjusted p = {p:.3g} ≥ α = {alpha:g}) "
    "and not every pair's interval within it: more evidence needed",
    "holm-no-pairs": "the pairwise differences and their standard errors are not available",
    # metric gates (fairgov/gates/metric_gates.py, engine.py)
    "evaluation-did-not-run": "evaluation did not run: {error}",
    "no-evaluation": "no evaluation in the project to apply the gate to",
    "attribute-not-measured": "attribute {attribute!r} was not measured",
    "group-not-found": "group {group!r} does not occur in {attribute!r}",
    "metric-not-computed": "metric {metric!r} was not computed",
    "metric-not-computed-for": "metric {metric!r} was not computed for {attribute!r}",
    "difference-unavailable": "difference {group} − {reference} of {metric!r} is not available",
    "statistic-unavailable": "statistic {statistic!r} of {metric!r} is not available",
    "debiased-unavailable": "the debiased ECE is not reported for this statistic",
    "evidence-too-thin": "evidence too thin: {cells}",
    "thin-cell": "{group}: {reason}",
    "undefined": "undefined: {reason}",
    # documentation gates (fairgov/gates/doc_gates.py)
    "no-document": "no {kind} document in the project",
    "field-not-answered": "{ref}: {field} is not answered",
    "field-not-applicable": "{ref}: {field} is not_applicable",
    "fields-answered": "{fields} field(s) answered in {documents} document(s)",
    "unknown-standard": "unknown standard {standard!r} or no document to cover it",
    "items-covered": "{covered}/{total} items covered",
    "items-missing": "missing: {items}",
    "no-deployment": "no deployment protocol in the project",
    "axes-not-evaluated": "{ref}: {axes} not evaluated",
    "axes-evaluated": "every intended-population axis is evaluated",
    "threshold-undecided": "{ref}: evaluation did not run ({error})",
    "threshold-follows-fitted": "{ref}: deploys the fitted threshold {threshold:.4f}",
    "threshold-differs": "{ref}: deployed threshold {deployed:.4f} ≠ evaluated {evaluated:.4f}",
    "threshold-equal": "deployed threshold equals the evaluated one",
    "threshold-follows-group": "{ref}: deploys the fitted per-group thresholds ({listed})",
    # comparison gates (fairgov/gates/comparison_gates.py)
    "in-group": "in group {group}",
    # a reason recorded as text only (results written before codes existed)
    "text": "{text}",
}
SEPARATOR = "; "
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Reason:
    """One reason: a code from ENGLISH and its parameters (str, numbers, Reasons, lists)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise KeyError(f"unknown reason code {self.code!r}")

    @property
    def text(self) -> str:
        """The English sentence."""
        return ENGLISH[self.code].format(**{k: english(v) for k, v in self.params.items()})

    def fields(self) -> list[tuple[str, str, str]]:
        """(parameter, format spec, conversion) of every parameter the English template writes."""
        return [
            (name, spec or "", conv or "")
            for _, name, spec, conv in _FORMATTER.parse(ENGLISH[self.code])
            if name
        ]

    def to_dict(self) -> dict[str, Any]:
        """The results.json record: code, params (nested reasons as records) and the English text."""
        return {
            "code": self.code,
            "params": {k: _record(v) for k, v in self.params.items()},
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Reason:
        return cls(
            str(record["code"]), {k: _value(v) for k, v in (record.get("params") or {}).items()}
        )


def english(value: Any) -> Any:
    """A parameter as the English template receives it: reasons as their text, lists joined."""
    if isinstance(value, Reason):
        return value.text
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Reason) for v in value):
        return join(value)
    return value


def _record(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_record(v) for v in value]
    return value


def _value(value: Any) -> Any:
    if isinstance(value, Mapping) and "code" in value and "params" in value:
        return Reason.from_dict(value)
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    return value


def join(reasons: Iterable[Reason]) -> str:
    """The English text of a sequence of reasons, as results.json's `reason` field writes it."""
    return SEPARATOR.join(r.text for r in reasons)


def text(value: str) -> Reason:
    """A reason that is only text (an error message from elsewhere, an old results file)."""
    return Reason("text", {"text": value})
