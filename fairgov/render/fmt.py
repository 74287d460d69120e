"""Number, date and text formatting shared by templates and charts.

One rule set for every report: metrics with three decimals, counts with thousands
separators, intervals as "0.842 (0.811 to 0.870)", a real minus sign, undefined values
spelled out with their reason (never blank, never 0). Digits are rounded here, once, the
same way in every language; Babel then writes them with the report language's symbols
("0,842 (0,811–0,870)", "1 240", "52,0 %"). English dates are ISO 8601, other languages
use their long date form ("28 de noviembre de 2026").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from babel.dates import format_date

from fairgov.render.i18n import N_, current, gettext
from fairgov.render.numbers import DASH, MINUS, _percent, count, is_num, num, pct  # noqa: F401 - fmt is the templates' API
from fairgov.render.reasons import undefined
from fairgov.results import Gate, Stat

STATUS_WORD = {
    "pass": N_("PASS"),
    "fail": N_("FAIL"),
    "inconclusive": N_("INCONCLUSIVE"),
    "warn": N_("WARN"),
    "waived": N_("WAIVED"),
}
OP_TEXT = {"<=": "≤", ">=": "≥", "==": "=", "<": "<", ">": ">"}
METRIC_LABEL = {
    "auroc": N_("AUROC"),
    "average_precision": N_("Average precision"),
    "brier": N_("Brier score"),
    "ece": N_("ECE"),
    "calibration_in_the_large": N_("Calibration-in-the-large"),
    "tpr": N_("TPR (sensitivity)"),
    "tnr": N_("TNR (specificity)"),
    "fpr": N_("FPR"),
    "fnr": N_("FNR"),
    "ppv": N_("PPV"),
    "npv": N_("NPV"),
    "accuracy": N_("Accuracy"),
    "balanced_accuracy": N_("Balanced accuracy"),
    "macro_auroc": N_("Macro AUROC"),
    "selection_rate": N_("Selection rate"),
    "equalized_odds": N_("Equalized-odds difference"),
    "equalized_odds_mean": N_("Equalized-odds mean difference"),
    "equal_opportunity": N_("Equal-opportunity difference"),
}
#: narrow table headers print these short forms, with a key (`metric_key`) once under the tables
METRIC_SHORT = {
    "tpr": N_("TPR"),
    "tnr": N_("TNR"),
    "average_precision": N_("AP"),
    "calibration_in_the_large": N_("CITL"),
    "balanced_accuracy": N_("Bal. acc."),
    "selection_rate": N_("Sel. rate"),
    "brier": N_("Brier"),
}
#: the count columns' headers (n, Pos., Neg.) and what they stand for
COUNT_KEY = (
    ("n", N_("images")),
    (N_("Pos."), N_("positive images")),
    (N_("Neg."), N_("negative images")),
)
STAT_LABEL = {
    "gap": N_("gap (max − min)"),
    "worst": N_("worst group"),
    "ratio": N_("ratio (min / max)"),
    "to_overall": N_("largest difference to overall"),
    "group": N_("group value"),
}
#: English keeps ISO 8601 dates; other languages use their CLDR long form
DATE_FORMAT = {"en": "yyyy-MM-dd"}


def level(x: Any) -> str:
    """A confidence level as a percentage without trailing zeros: 95%, 97.5%."""
    if not is_num(x):
        return DASH
    return _percent(f"{100 * float(x):.2f}", ".##", current().code)


def date(value: Any) -> str:
    """A date (or ISO date string) in the report language; anything else as given."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    lang = current()
    return format_date(value, format=DATE_FORMAT.get(lang.code, "long"), locale=lang.locale)


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """(0.811 to 0.870), or '' when the interval is missing: a word between the bounds, so a
    negative bound is never read as a range of minus signs ("(−0.178 to 0.032)")."""
    if not (is_num(low) and is_num(high)):
        return ""
    return (
        "("
        + gettext("%(low)s to %(high)s") % {"low": num(low, digits), "high": num(high, digits)}
        + ")"
    )


#: marks an estimate printed outside its own interval; OUTSIDE_NOTE says why
OUTSIDE_MARK = "‡"
OUTSIDE_NOTE = N_(
    "‡ The estimate lies outside its own bootstrap percentile interval: the resampled values of "
    "this "
    "metric are shifted against the estimate (a biased statistic such as ECE on a small group), so "
    "the "
    "interval shows the resampling spread, not a range around the estimate."
)


def plain_stat(stat: Stat | Gate | dict[str, Any] | None) -> dict[str, Any] | None:
    """A typed `Stat` (or `Aggregate`) as the record these helpers read; views not yet converted
    to the typed results pass that record itself."""
    if isinstance(stat, (Stat, Gate)):
        return stat.model_dump(include={"value", "ci_low", "ci_high", "reason", "reasons"})
    return stat


def outside(stat: Stat | Gate | dict[str, Any] | None) -> bool:
    """True when a defined estimate lies outside its own interval (rounded as printed)."""
    stat = plain_stat(stat)
    if not stat or not all(is_num(stat.get(k)) for k in ("value", "ci_low", "ci_high")):
        return False
    v, lo, hi = (round(float(stat[k]), 3) for k in ("value", "ci_low", "ci_high"))
    return not lo <= v <= hi


def estimate(stat: Stat | Gate | dict[str, Any] | None, digits: int = 3) -> str:
    """'0.842 (0.811–0.870)'; 'undefined: <reason>' for an undefined value."""
    stat = plain_stat(stat)
    if not stat:
        return undefined(None, "not-computed")
    value = stat.get("value")
    if not is_num(value):
        return undefined(stat)
    ci = interval(stat.get("ci_low"), stat.get("ci_high"), digits)
    mark = f" {OUTSIDE_MARK}" if outside(stat) else ""
    return f"{num(value, digits)} {ci}".strip() + mark


def cell(stat: Stat | dict[str, Any] | None) -> dict[str, Any]:
    """A table cell: estimate and interval apart (the interval prints on its own line)."""
    stat = plain_stat(stat)
    if not stat or not is_num(stat.get("value")):
        return {"defined": False, "text": undefined(stat, "not-computed")}
    return {
        "defined": True,
        "value": num(stat["value"]),
        "ci": interval(stat.get("ci_low"), stat.get("ci_high")),
        "note": stat.get("reason") or "",
        "outside": outside(stat),
    }


def metric_label(name: Any) -> str:
    label = METRIC_LABEL.get(str(name))
    return gettext(label) if label else str(name)


def metric_short(name: Any) -> str:
    """A metric's header form: its abbreviation where it has one, else its label."""
    short = METRIC_SHORT.get(str(name))
    return gettext(short) if short else metric_label(name)


def metric_key(names: Any) -> str:
    """'n: images; Pos.: positive images; …; TPR: TPR (sensitivity)' for the count columns and
    every abbreviated metric among `names` (in their order)."""
    pairs = [
        (short if short == "n" else gettext(short), gettext(full)) for short, full in COUNT_KEY
    ]
    pairs += [
        (metric_short(m), metric_label(m))
        for m in dict.fromkeys(map(str, names))
        if m in METRIC_SHORT
    ]
    return "; ".join(f"{short}: {full}" for short, full in pairs)


def stat_label(name: Any) -> str:
    label = STAT_LABEL.get(str(name))
    return gettext(label) if label else str(name or "")


def limit(op: Any, threshold: Any) -> str:
    if op is None or not is_num(threshold):
        return DASH
    return f"{OP_TEXT.get(str(op), str(op))} {num(threshold)}"


def status_word(status: str) -> str:
    word = STATUS_WORD.get(status)
    return gettext(word) if word else status.upper()


def counted(text: str, n: int) -> str:
    """An ngettext result with its %(num)s count formatted for the language."""
    return text % {"num": count(n)}


def join_and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' in the report language."""
    if len(items) < 2:
        return "".join(items)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def join_or(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c' in the report language."""
    if len(items) < 2:
        return "".join(items)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(*parts: Any) -> str:
    """Stable ASCII id fragment: 'Sex × age_band' -> 'sex-age-band'."""
    text = "-".join(str(p) for p in parts if p is not None).lower()
    out = _SLUG.sub("-", text.replace("×", "-x-")).strip("-")
    return out or "x"


def humanize(name: str) -> str:
    """Field name -> heading text: 'bias_mitigation' -> 'Bias mitigation'."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
