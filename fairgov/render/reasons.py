"""Reasons in the report language.

Gate reasons arrive structured (results.json `reasons`: code, params, English text; see
fairgov/reasons.py): each code has its catalog message here, and its parameters are written
the way the English template writes them, then re-formatted for the language (counts with
the language's separators, decimals with its decimal sign). Values inside them (refs, field
names, group and item titles, error messages) stay as recorded. A code without a message
here (or a results file without `reasons`) prints its English text; English reports print
every reason exactly as recorded.

Metric reasons (`undefined: 4 positives < minimum 10` in a stat's `reason`) are still text
written by fairgov/metrics: METRIC_SHAPES translates their few sentence shapes until the
metrics layer records codes too.

Imports `numbers`, never `fmt` (fmt imports this module for `undefined`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fairgov.reasons import ENGLISH, SEPARATOR, Reason
from fairgov.render import numbers
from fairgov.render.i18n import DEFAULT, N_, current, gettext
from fairgov.results import Gate

#: reason code -> catalog message (its %(name)s are the code's parameters); absent: English text
MESSAGES: dict[str, str] = {
    "statistic-undefined": N_("statistic undefined"), "point-compared": N_("point estimate compared"),
    "no-interval": N_("no interval"), "point-violates": N_("point estimate violates the limit"),
    "no-bootstrap": N_("no confidence interval (bootstrap disabled)"),
    "bound-meets": N_("interval bound meets the limit"), "interval-violates": N_("whole interval violates the limit"),
    "straddles": N_("interval straddles the limit: more evidence needed"),
    "holm-not-significant": N_("Holm-adjusted p = %(p)s ≥ α = %(alpha)s: the gap is not distinguishable from noise"),
    "evaluation-did-not-run": N_("evaluation did not run: %(error)s"),
    "no-evaluation": N_("no evaluation in the project to apply the gate to"),
    "attribute-not-measured": N_("attribute %(attribute)s was not measured"),
    "group-not-found": N_("group %(group)s does not occur in %(attribute)s"),
    "metric-not-computed": N_("metric %(metric)s was not computed"),
    "metric-not-computed-for": N_("metric %(metric)s was not computed for %(attribute)s"),
    "statistic-unavailable": N_("statistic %(statistic)s of %(metric)s is not available"),
    "evidence-too-thin": N_("evidence too thin: %(cells)s"),
    "no-document": N_("no %(kind)s document in the project"),
    "field-not-answered": N_("%(ref)s: %(field)s is not answered"),
    "field-not-applicable": N_("%(ref)s: %(field)s is answered as not applicable"),
    "fields-answered": N_("%(fields)s field(s) answered in %(documents)s document(s)"),
    "unknown-standard": N_("unknown standard %(standard)s or no document to cover it"),
    "items-covered": N_("%(covered)s/%(total)s items covered"), "items-missing": N_("missing: %(items)s"),
    "no-deployment": N_("no deployment protocol in the project"),
    "axes-not-evaluated": N_("%(ref)s: %(axes)s not evaluated"),
    "axes-evaluated": N_("every intended-population axis is evaluated"),
    "threshold-undecided": N_("%(ref)s: evaluation did not run (%(error)s)"),
    "threshold-differs": N_("%(ref)s: deployed threshold %(deployed)s ≠ evaluated %(evaluated)s"),
    "threshold-equal": N_("deployed threshold equals the evaluated one"),
    "threshold-follows-group": N_("%(ref)s: deploys the fitted per-group thresholds (%(listed)s)"),
    "in-group": N_("in group %(group)s"),
}
#: parameters that are counts (written with the language's thousands separator)
COUNTS = frozenset({"covered", "total", "fields", "documents", "count", "need"})
#: parameters that are decimals (re-written with the language's decimal sign, same digits)
DECIMALS = frozenset({"deployed", "evaluated", "p", "alpha", "threshold"})
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_PERCENT = re.compile(r"([0-9]+(\.[0-9]+)?)%")


def _english() -> bool:
    return current().code == DEFAULT


def _local(key: str, written: str) -> str:
    """A parameter as the English template wrote it, in the report language."""
    if key in COUNTS and written.isdigit():
        return numbers.count(int(written))
    if (m := _PERCENT.fullmatch(written)) is not None:
        return numbers.pct(float(m.group(1)) / 100, len(m.group(2) or ".") - 1)
    if key in DECIMALS and _DECIMAL.fullmatch(written):
        return numbers.num(float(written), len(written.split(".", 1)[1]) if "." in written else 0)
    return written


def _param(reason: Reason, key: str, spec: str, conversion: str) -> str:
    value = reason.params.get(key)
    if isinstance(value, Reason):
        return render(value)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Reason) for v in value):
        return SEPARATOR.join(render(v) for v in value)
    if key == "reason" and isinstance(value, str):  # a metric's reason inside a gate's
        return undefined(value) if value.startswith("undefined") else metric(value)
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
    if reason.code == "undefined":
        return undefined(reason.text)
    if reason.code == "thin-cell":
        return f"{reason.params.get('group')}: {_param(reason, 'reason', '', '')}"
    if msgid is None:
        return reason.text
    return gettext(msgid) % {key: _param(reason, key, spec, conv) for key, spec, conv in reason.fields()}


def records(gate: Gate | Mapping[str, Any]) -> list[Reason] | None:
    """The structured reasons of a gate (None for results written before schema 1.2)."""
    recs = [r.model_dump() for r in gate.reasons] if isinstance(gate, Gate) else gate.get("reasons")
    if not recs:
        return None
    return [Reason.from_dict(r) for r in recs]


def gate(record: Gate | Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    """A gate's reason in the report language (reasons of the codes in `skip` left out)."""
    structured = records(record)
    if structured is None or (_english() and not skip):
        return (record.reason if isinstance(record, Gate) else str(record.get("reason") or "")) or ""
    return SEPARATOR.join(render(r) for r in structured if r.code not in skip)


assert set(MESSAGES) <= set(ENGLISH)

# --- metric reasons (text written by fairgov/metrics) ----------------------------------------

PHRASES = frozenset((
    N_("empty group"), N_("no positives"), N_("no negatives"), N_("ratio is not meaningful for a signed metric"),
    N_("largest group value is 0"), N_("overall value undefined"), N_("not computed"), N_("no value"),
    N_("fewer than 2 groups with a defined value"), N_("decisive evidence required"),
))
_METRIC_SHAPES = (
    (r"(?P<count>\d+) rows < minimum (?P<need>\d+)", N_("%(count)s rows < minimum %(need)s")),
    (r"(?P<count>\d+) positives < minimum (?P<need>\d+)", N_("%(count)s positives < minimum %(need)s")),
    (r"(?P<count>\d+) negatives < minimum (?P<need>\d+)", N_("%(count)s negatives < minimum %(need)s")),
    (r"no predicted positives at threshold (?P<threshold>[0-9.]+)", N_("no predicted positives at threshold %(threshold)s")),
    (r"no predicted negatives at threshold (?P<threshold>[0-9.]+)", N_("no predicted negatives at threshold %(threshold)s")),
    (r"fewer than 2 groups with a defined value \(excluded: (?P<groups>.*)\)",
     N_("fewer than 2 groups with a defined value (excluded: %(groups)s)")),
    (r"excluded groups with undefined value: (?P<groups>.*)", N_("excluded groups with undefined value: %(groups)s")),
    (r"(?P<metric>\S+) has no preferred direction", N_("%(metric)s has no preferred direction")),
    (r"interval undefined: value defined in (?P<share>[0-9.]+%) of resamples \(< (?P<minimum>[0-9.]+%)\)",
     N_("interval undefined: value defined in %(share)s of resamples (< %(minimum)s)")),
)
METRIC_SHAPES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), m) for p, m in _METRIC_SHAPES]


def _metric_part(text: str) -> str:
    if text in PHRASES:
        return gettext(text)
    if text.startswith("undefined"):
        return undefined(text)
    for pattern, msgid in METRIC_SHAPES:
        if (m := pattern.fullmatch(text)) is not None:
            return gettext(msgid) % {k: _local(k, v) for k, v in m.groupdict().items()}
    return text


def metric(reason: str | None) -> str:
    """A recorded metric reason (without its 'undefined: ' prefix) in the report language."""
    text = reason or ""
    if _english() or not text:
        return text
    return SEPARATOR.join(_metric_part(p) for p in text.split(SEPARATOR))


def undefined(reason: Any) -> str:
    """'undefined: <reason>'; the recorded reason in the report language."""
    text = str(reason or "").strip()
    if not text:
        return gettext("undefined")
    if text.lower() == "undefined":
        return gettext("undefined")
    if text.lower().startswith("undefined:"):
        text = text[len("undefined:"):].strip()
    elif text.lower().startswith("undefined"):
        return text
    return gettext("undefined: %(reason)s") % {"reason": metric(text)}
