"""Reasons in the report language.

Gate reasons (results.json `reasons` of a gate) and metric reasons (`reasons` of a stat,
`evidence_reasons` of a cell; schema 1.4) arrive structured: code, params, English text (see
fairgov/reasons.py). Each code has its catalog message here, and its parameters are written
the way the English template writes them, then re-formatted for the language (counts with
the language's separators, decimals with its decimal sign). Values inside them (refs, field
names, group and item titles, error messages) stay as recorded. A code without a message
here, or a results file older than its structured reasons, prints the English text; English
reports print every reason exactly as recorded. No English sentence is ever parsed.

Imports `numbers`, never `fmt` (fmt imports this module for `undefined`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fairgov.reasons import ENGLISH, SEPARATOR, Reason, is_undefined
from fairgov.render import numbers
from fairgov.render.i18n import DEFAULT, N_, current, gettext
from fairgov.results import Gate, Stat

#: reason code -> catalog message (its %(name)s are the code's parameters); absent: English text
MESSAGES: dict[str, str] = {
    "statistic-undefined": N_("statistic undefined"),
    "point-compared": N_("point estimate compared"),
    "no-interval": N_("no interval"),
    "point-violates": N_("point estimate violates the limit"),
    "no-bootstrap": N_("no confidence interval (bootstrap disabled)"),
    "bound-meets": N_("interval bound meets the limit"),
    "interval-violates": N_("whole interval violates the limit"),
    "straddles": N_("interval straddles the limit: more evidence needed"),
    "holm-not-significant": N_(
        "Holm-adjusted p = %(p)s ≥ α = %(alpha)s: the gap is not distinguishable from noise"
    ),
    "evaluation-did-not-run": N_("evaluation did not run: %(error)s"),
    "no-evaluation": N_("no evaluation in the project to apply the gate to"),
    "attribute-not-measured": N_("attribute %(attribute)s was not measured"),
    "group-not-found": N_("group %(group)s does not occur in %(attribute)s"),
    "metric-not-computed": N_("metric %(metric)s was not computed"),
    "metric-not-computed-for": N_("metric %(metric)s was not computed for %(attribute)s"),
    "statistic-unavailable": N_("statistic %(statistic)s of %(metric)s is not available"),
    "evidence-too-thin": N_("evidence too thin: %(cells)s"),
    "undefined": N_("undefined: %(reason)s"),
    "no-document": N_("no %(kind)s document in the project"),
    "field-not-answered": N_("%(ref)s: %(field)s is not answered"),
    "field-not-applicable": N_("%(ref)s: %(field)s is answered as not applicable"),
    "fields-answered": N_("%(fields)s field(s) answered in %(documents)s document(s)"),
    "unknown-standard": N_("unknown standard %(standard)s or no document to cover it"),
    "items-covered": N_("%(covered)s/%(total)s items covered"),
    "items-missing": N_("missing: %(items)s"),
    "no-deployment": N_("no deployment protocol in the project"),
    "axes-not-evaluated": N_("%(ref)s: %(axes)s not evaluated"),
    "axes-evaluated": N_("every intended-population axis is evaluated"),
    "threshold-undecided": N_("%(ref)s: evaluation did not run (%(error)s)"),
    "threshold-differs": N_("%(ref)s: deployed threshold %(deployed)s ≠ evaluated %(evaluated)s"),
    "threshold-equal": N_("deployed threshold equals the evaluated one"),
    "threshold-follows-group": N_("%(ref)s: deploys the fitted per-group thresholds (%(listed)s)"),
    "in-group": N_("in group %(group)s"),
    "no-comparison": N_("no paired comparison of %(candidate)s with %(baseline)s"),
    "no-comparison-row": N_("the comparison has no %(metric)s %(statistic)s row"),
    "not-in-both-arms": N_("%(key)s is not defined in both arms"),
    # the metrics layer (a stat's reasons)
    "value-undefined": N_("undefined"),
    "empty-group": N_("empty group"),
    "no-positives": N_("no positives"),
    "no-negatives": N_("no negatives"),
    "no-predicted-positives": N_("no predicted positives at threshold %(threshold)s"),
    "no-predicted-negatives": N_("no predicted negatives at threshold %(threshold)s"),
    "too-few-rows": N_("%(count)s rows < minimum %(need)s"),
    "too-few-positives": N_("%(count)s positives < minimum %(need)s"),
    "too-few-negatives": N_("%(count)s negatives < minimum %(need)s"),
    "interval-undefined": N_(
        "interval undefined: value defined in %(share)s of resamples (< %(minimum)s)"
    ),
    "estimate-outside": N_(
        "estimate outside its %(interval)s interval: the statistic is biased under "
        "resampling (bootstrap bias %(bias)s)"
    ),
    "too-few-groups": N_("fewer than 2 groups with a defined value"),
    "too-few-groups-excluded": N_(
        "fewer than 2 groups with a defined value (excluded: %(groups)s)"
    ),
    "groups-excluded": N_("excluded groups with undefined value: %(groups)s"),
    "ratio-signed": N_("ratio is not meaningful for a signed metric"),
    "ratio-zero": N_("largest group value is 0"),
    "no-direction": N_("%(metric)s has no preferred direction"),
    "overall-undefined": N_("overall value undefined"),
    "class-too-few-rows": N_("fewer than %(minimum)s rows of class %(classes)s"),
    "task-too-few-groups": N_("fewer than two groups with a defined value"),
    "group-value-undefined": N_("a group's value is undefined"),
    "not-computed": N_("not computed"),
    "no-value": N_("no value"),
}
#: parameters that are counts (written with the language's thousands separator)
COUNTS = frozenset({"covered", "total", "fields", "documents", "count", "need", "minimum"})
#: parameters that are decimals (re-written with the language's decimal sign, same digits)
DECIMALS = frozenset({"deployed", "evaluated", "p", "alpha", "threshold", "bias"})
# a number as a template wrote it (`{x:.4f}`, `{x:+.3g}`, `{x:.1%}`): re-written, same digits
_DECIMAL = re.compile(r"([+-]?)([0-9]+(\.[0-9]+)?)")
_PERCENT = re.compile(r"([0-9]+(\.[0-9]+)?)%")


def _english() -> bool:
    return current().code == DEFAULT


def _local(key: str, written: str) -> str:
    """A parameter as the English template wrote it, in the report language."""
    if key in COUNTS and written.isdigit():
        return numbers.count(int(written))
    if (m := _PERCENT.fullmatch(written)) is not None:
        return numbers.pct(float(m.group(1)) / 100, len(m.group(2) or ".") - 1)
    if key in DECIMALS and (m := _DECIMAL.fullmatch(written)) is not None:
        digits = len(m.group(3) or ".") - 1
        return ("+" if m.group(1) == "+" else "") + numbers.num(float(written), digits)
    return written


def _param(reason: Reason, key: str, spec: str, conversion: str) -> str:
    value = reason.params.get(key)
    if isinstance(value, Reason):
        return render(value)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Reason) for v in value):
        return SEPARATOR.join(render(v) for v in value)
    if conversion == "r":
        value = repr(value)
    elif conversion == "s":
        value = str(value)
    return _local(key, format(value, spec))


def render(reason: Reason) -> str:
    """One reason in the report language."""
    msgid = MESSAGES.get(reason.code)
    if _english():
        return reason.text
    if reason.code == "thin-cell":
        return f"{reason.params.get('group')}: {_param(reason, 'reason', '', '')}"
    if msgid is None:
        return reason.text
    fields = {key: _param(reason, key, spec, conv) for key, spec, conv in reason.fields()}
    return gettext(msgid) % fields


def records(gate: Gate | Mapping[str, Any]) -> list[Reason] | None:
    """The structured reasons of a gate (None for results written before schema 1.2)."""
    if isinstance(gate, Gate):
        recs: Any = [r.model_dump() for r in gate.reasons]
    else:
        recs = gate.get("reasons")
    if not recs:
        return None
    return [Reason.from_dict(r) for r in recs]


def gate(record: Gate | Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    """A gate's reason in the report language (reasons of the codes in `skip` left out)."""
    structured = records(record)
    if structured is None or (_english() and not skip):
        if isinstance(record, Gate):
            return record.reason or ""
        return str(record.get("reason") or "")
    return SEPARATOR.join(render(r) for r in structured if r.code not in skip)


assert set(MESSAGES) <= set(ENGLISH)

# --- metric reasons (a stat's `reasons`, written by fairgov/metrics) ---------------------------

StatLike = Stat | Mapping[str, Any] | None


def _stat_reasons(stat: StatLike) -> tuple[list[Reason] | None, str]:
    """(structured reasons or None, English text) of a stat (typed, or its JSON record)."""
    if stat is None:
        return None, ""
    if isinstance(stat, Stat):
        return stat.why(), stat.reason or ""
    recs = stat.get("reasons") or []
    return [Reason.from_dict(r) for r in recs] or None, str(stat.get("reason") or "")


def metric(stat: StatLike) -> str:
    """A stat's recorded reason in the report language ('' without one)."""
    structured, text = _stat_reasons(stat)
    if structured is None:
        return text
    return SEPARATOR.join(render(r) for r in structured)


def undefined(stat: StatLike = None, missing: str = "") -> str:
    """'undefined: <reason>' of an undefined stat in the report language; `missing` (a code
    of fairgov.reasons) says why when nothing is recorded ('undefined' alone without it)."""
    structured, text = _stat_reasons(stat)
    if structured is None and text:  # a results file older than 1.4: its English text
        if text.lower().startswith("undefined"):
            return text
        return gettext("undefined: %(reason)s") % {"reason": text}
    if structured is None:
        structured = [Reason(missing)] if missing else []
    if not structured:
        return render(Reason("value-undefined"))
    if is_undefined(structured):
        return SEPARATOR.join(render(r) for r in structured)
    return render(Reason("undefined", {"reason": tuple(structured)}))
