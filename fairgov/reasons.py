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
    "holm-not-significant": "Holm-adjusted p = {p:.3g} ≥ α = {alpha:g}: the gap is not "
    "distinguishable from noise",
    # `multiplicity: holm` gap gates (fairgov/gates/pairwise.py)
    "holm-pair-exceeds": "pair {pair} exceeds the limit "
    "(Holm-adjusted p = {p:.3g} < α = {alpha:g})",
    "holm-pairs-within": "every pair's interval lies within ± the limit ({count} pairs)",
    "holm-undecided": "no pair shown beyond the limit "
    "(smallest Holm-adjusted p = {p:.3g} ≥ α = {alpha:g}) "
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
    "no-comparison": "no paired comparison of {candidate!r} with {baseline!r}",
    "no-comparison-row": "the comparison has no {metric} {statistic} row",
    "not-in-both-arms": "{key} is not defined in both arms",
    # the metrics layer (fairgov/metrics): a stat's `reasons` (results.json schema 1.4).
    # An undefined value has one reason `undefined` whose `reason` lists why (the parts below).
    "value-undefined": "undefined",
    "empty-group": "empty group",
    "no-positives": "no positives",
    "no-negatives": "no negatives",
    "no-predicted-positives": "no predicted positives at threshold {threshold!r}",
    "no-predicted-negatives": "no predicted negatives at threshold {threshold!r}",
    "too-few-rows": "{count} rows < minimum {need}",
    "too-few-positives": "{count} positives < minimum {need}",
    "too-few-negatives": "{count} negatives < minimum {need}",
    "interval-undefined": "interval undefined: value defined in {share:.1%} of resamples "
    "(< {minimum:.0%})",
    "estimate-outside": "estimate outside its {interval} interval: the statistic is biased "
    "under resampling (bootstrap bias {bias:+.3g})",
    "too-few-groups": "fewer than 2 groups with a defined value",
    "too-few-groups-excluded": "fewer than 2 groups with a defined value (excluded: {groups})",
    "groups-excluded": "excluded groups with undefined value: {groups}",
    "ratio-signed": "ratio is not meaningful for a signed metric",
    "ratio-zero": "largest group value is 0",
    "no-direction": "{metric} has no preferred direction",
    "overall-undefined": "overall value undefined",
    "class-too-few-rows": "fewer than {minimum} rows of class {classes}",
    "task-too-few-groups": "fewer than two groups with a defined value",
    "group-value-undefined": "a group's value is undefined",
    "not-computed": "not computed",
    "no-value": "no value",
    # the monitor's checks and triggers (fairgov/monitor: checks.py, rules.py, engine.py);
    # monitoring.json v3 records them as `reasons`. Its metric checks use the gate codes above.
    "no-studies": "no studies in this period",
    "too-few-studies": "{count} studies < minimum {need}",
    "share-vs-intended": "share {share:.3f} ({low:.3f}-{high:.3f}) vs intended {intended:.3f}",
    "too-few-logged": "{count} logged studies < minimum {need}",
    "too-few-to-test": "{count} studies, {reference} reference scores: too few to test",
    "ks-distance": "KS distance {distance:.3f} (limit {limit:g}), p = {p:.2g} (alpha {alpha:g})",
    "labels-pending": "labels pending until {due}",
    "no-final-period": "no period with final labels yet",
    "breach-alert": "breached {run} period(s) in a row (alert after {consecutive}): {reason}",
    "breach-run": "breached {run} of {consecutive} consecutive periods needed to alert: {reason}",
    # a reason recorded as text only (results written before codes existed)
    "text": "{text}",
}
#: the codes the metrics layer writes into a stat's `reasons` (besides `undefined`)
METRIC_CODES = frozenset(
    {
        "value-undefined",
        "empty-group",
        "no-positives",
        "no-negatives",
        "no-predicted-positives",
        "no-predicted-negatives",
        "too-few-rows",
        "too-few-positives",
        "too-few-negatives",
        "interval-undefined",
        "estimate-outside",
        "too-few-groups",
        "too-few-groups-excluded",
        "groups-excluded",
        "ratio-signed",
        "ratio-zero",
        "no-direction",
        "overall-undefined",
        "class-too-few-rows",
        "task-too-few-groups",
        "group-value-undefined",
        "not-computed",
        "no-value",
        "undefined",
    }
)
#: the codes the monitor writes itself (besides the gate codes of its metric checks)
MONITOR_CODES = frozenset(
    {
        "no-studies",
        "too-few-studies",
        "share-vs-intended",
        "too-few-logged",
        "too-few-to-test",
        "ks-distance",
        "labels-pending",
        "no-final-period",
        "breach-alert",
        "breach-run",
        "metric-not-computed",
        "evidence-too-thin",
        "value-undefined",
        "text",
    }
)
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
        """The results.json record: code, params (nested reasons as records), English text."""
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


def undefined(*parts: Reason) -> Reason:
    """'undefined: <parts joined>' (a bare 'undefined' without parts)."""
    return Reason("undefined", {"reason": parts}) if parts else Reason("value-undefined")


def is_undefined(reasons: Iterable[Reason]) -> bool:
    """Whether these reasons (a stat's) say its value is undefined."""
    return any(r.code in ("undefined", "value-undefined") for r in reasons)


def joined(reasons: Iterable[Reason]) -> str | None:
    """`join`, None for no reasons (a stat's `reason` field)."""
    out = join(reasons)
    return out or None


def text(value: str) -> Reason:
    """A reason that is only text (an error message from elsewhere, an old results file)."""
    return Reason("text", {"text": value})
