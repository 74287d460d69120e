"""Reasons as results.json records them (English, written by the gate engine and the metrics
layer) shown in the report language. Their fixed phrases and sentence shapes are in the
catalog; the values inside them (refs, field names, group and item titles, error messages)
stay as recorded, numbers are re-formatted for the language. A reason of an unknown shape is
printed unchanged, and English reports print every reason exactly as recorded.
"""

from __future__ import annotations

import re
from typing import Any

from fairgov.render import fmt
from fairgov.render.i18n import DEFAULT, N_, current, gettext

#: fixed phrases of fairgov/gates (compare.py, doc_gates.py, engine.py) and fairgov/metrics
PHRASES = frozenset((
    N_("statistic undefined"), N_("point estimate compared"), N_("no interval"),
    N_("point estimate violates the limit"), N_("no confidence interval (bootstrap disabled)"),
    N_("interval bound meets the limit"), N_("whole interval violates the limit"), N_("interval straddles the limit"),
    N_("decisive evidence required"), N_("interval straddles the limit: more evidence needed"),
    N_("every intended-population axis is evaluated"), N_("deployed threshold equals the evaluated one"),
    N_("no deployment protocol in the project"), N_("no evaluation in the project to apply the gate to"),
    N_("empty group"), N_("no positives"), N_("no negatives"), N_("ratio is not meaningful for a signed metric"),
    N_("largest group value is 0"), N_("overall value undefined"), N_("not computed"), N_("no value"),
    N_("fewer than 2 groups with a defined value"),
))

_SHAPES = (
    (r"(?P<covered>\d+)/(?P<total>\d+) items covered", N_("%(covered)s/%(total)s items covered")),
    (r"missing: (?P<items>.+)", N_("missing: %(items)s")),
    (r"(?P<fields>\d+) field\(s\) answered in (?P<documents>\d+) document\(s\)",
     N_("%(fields)s field(s) answered in %(documents)s document(s)")),
    (r"(?P<ref>\S+): (?P<field>\S+) is not answered", N_("%(ref)s: %(field)s is not answered")),
    (r"(?P<ref>\S+): (?P<field>\S+) is not_applicable", N_("%(ref)s: %(field)s is answered as not applicable")),
    (r"(?P<ref>\S+): (?P<axes>.+) not evaluated", N_("%(ref)s: %(axes)s not evaluated")),
    (r"(?P<ref>\S+): deployed threshold (?P<deployed>[0-9.]+) ≠ evaluated (?P<evaluated>[0-9.]+)",
     N_("%(ref)s: deployed threshold %(deployed)s ≠ evaluated %(evaluated)s")),
    (r"(?P<ref>\S+): evaluation did not run \((?P<error>.*)\)", N_("%(ref)s: evaluation did not run (%(error)s)")),
    (r"evaluation did not run: (?P<error>.*)", N_("evaluation did not run: %(error)s")),
    (r"no (?P<kind>\S+) document in the project", N_("no %(kind)s document in the project")),
    (r"unknown standard (?P<standard>.+) or no document to cover it",
     N_("unknown standard %(standard)s or no document to cover it")),
    (r"attribute (?P<attribute>.+) was not measured", N_("attribute %(attribute)s was not measured")),
    (r"group (?P<group>.+) does not occur in (?P<attribute>.+)", N_("group %(group)s does not occur in %(attribute)s")),
    (r"metric (?P<metric>\S+) was not computed for (?P<attribute>.+)",
     N_("metric %(metric)s was not computed for %(attribute)s")),
    (r"metric (?P<metric>\S+) was not computed", N_("metric %(metric)s was not computed")),
    (r"statistic (?P<statistic>\S+) of (?P<metric>\S+) is not available",
     N_("statistic %(statistic)s of %(metric)s is not available")),
    (r"Holm-adjusted p = (?P<p>\S+) ≥ α = (?P<alpha>\S+): the gap is not distinguishable from noise",
     N_("Holm-adjusted p = %(p)s ≥ α = %(alpha)s: the gap is not distinguishable from noise")),
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
SHAPES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), m) for p, m in _SHAPES]
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_PERCENT = re.compile(r"([0-9]+(\.[0-9]+)?)%")
_COUNTS = {"covered", "total", "fields", "documents", "count", "need"}


def _value(key: str, value: str) -> str:
    if key in _COUNTS:
        return fmt.count(int(value))
    if (m := _PERCENT.fullmatch(value)) is not None:
        return fmt.pct(float(m.group(1)) / 100, len(m.group(2) or ".") - 1)
    if key in ("deployed", "evaluated", "p", "alpha", "threshold") and _DECIMAL.fullmatch(value):
        return fmt.num(float(value), len(value.split(".", 1)[1]) if "." in value else 0)
    return value


def _part(text: str) -> str:
    if text in PHRASES:
        return gettext(text)
    if text.startswith("undefined"):
        return fmt.undefined(text)
    for pattern, msgid in SHAPES:
        if (m := pattern.fullmatch(text)) is not None:
            return gettext(msgid) % {k: _value(k, v) for k, v in m.groupdict().items()}
    return text


def _thin(cells: str) -> str:
    """'a: undefined: 3 positives < minimum 20; 5 rows < minimum 10; b: …' part by part."""
    out = []
    for part in cells.split("; "):
        name, sep, why = part.partition(": ")
        out.append(f"{name}: {fmt.undefined(why)}" if sep and why.startswith("undefined") else _part(part))
    return "; ".join(out)


def _english() -> bool:
    return current().code == DEFAULT


#: the engine's titles of gates without a title of their own (fairgov/gates/engine.py)
TITLES = {"required_fields": N_("required fields answered"), "axes_evaluated": N_("intended-population axes evaluated"),
          "threshold_match": N_("deployed threshold = evaluated")}
_COVERAGE_TITLE = re.compile(r"coverage of (?P<standard>.*)")


def gate_title(record: dict[str, Any]) -> str:
    """The title the engine gave a gate whose policy names none, in the report language."""
    title = str(record.get("title") or record.get("id"))
    gtype = record.get("type")
    if _english():
        return title
    if gtype in TITLES:
        return gettext(TITLES[gtype])
    if gtype == "coverage" and (m := _COVERAGE_TITLE.fullmatch(title)) is not None:
        return gettext("coverage of %(standard)s") % {"standard": m.group("standard")}
    if gtype == "metric" and record.get("metric") and record.get("across"):
        statistic = fmt.stat_label(record.get("statistic"))
        if record.get("group"):
            statistic = f"{statistic} {record['group']}"
        return gettext("%(metric)s %(statistic)s across %(attribute)s %(limit)s") % {
            "metric": fmt.metric_label(record["metric"]), "statistic": statistic, "attribute": record["across"],
            "limit": fmt.limit(record.get("op"), record.get("threshold"))}
    return title


def gate(reason: str | None) -> str:
    """A recorded gate reason in the report language."""
    text = reason or ""
    if _english() or not text:
        return text
    if text.startswith("evidence too thin: "):
        return gettext("evidence too thin: %(cells)s") % {"cells": _thin(text[len("evidence too thin: "):])}
    return "; ".join(_part(p) for p in text.split("; "))


def metric(reason: str | None) -> str:
    """A recorded metric reason (without its 'undefined: ' prefix) in the report language."""
    text = reason or ""
    if _english() or not text:
        return text
    return "; ".join(_part(p) for p in text.split("; "))
