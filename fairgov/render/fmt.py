"""Number and text formatting shared by templates and charts.

One rule set for every report: metrics with three decimals, counts with thousands
separators, intervals as "0.842 (0.811–0.870)", a real minus sign, undefined values
spelled out with their reason (never blank, never 0).
"""

from __future__ import annotations

import math
import re
from typing import Any

DASH = "—"
MINUS = "−"

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "warn": "WARN", "waived": "WAIVED"}
OP_TEXT = {"<=": "≤", ">=": "≥", "==": "=", "<": "<", ">": ">"}
METRIC_LABEL = {
    "auroc": "AUROC", "average_precision": "Average precision", "brier": "Brier score", "ece": "ECE",
    "calibration_in_the_large": "Calibration-in-the-large", "tpr": "TPR (sensitivity)",
    "tnr": "TNR (specificity)", "fpr": "FPR", "fnr": "FNR", "ppv": "PPV", "npv": "NPV",
    "accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "selection_rate": "Selection rate",
    "equalized_odds": "Equalized-odds difference", "equalized_odds_mean": "Equalized-odds mean difference",
    "equal_opportunity": "Equal-opportunity difference",
}
STAT_LABEL = {"gap": "gap (max − min)", "worst": "worst group", "ratio": "ratio (min / max)",
              "to_overall": "largest difference to overall", "group": "group value"}


def is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def num(x: Any, digits: int = 3) -> str:
    """0.842 / −0.012 / — for missing values."""
    if not is_num(x):
        return DASH
    text = f"{float(x):.{digits}f}"
    if text.startswith("-"):
        text = MINUS + text[1:] if float(text) != 0 else text[1:]
    return text


def count(x: Any) -> str:
    """1,240 (thousands separators); — for missing values."""
    if not is_num(x):
        return DASH
    return f"{int(x):,}"


def pct(x: Any, digits: int = 1) -> str:
    return DASH if not is_num(x) else f"{100 * float(x):.{digits}f}%"


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """(0.811–0.870), or '' when the interval is missing."""
    if not (is_num(low) and is_num(high)):
        return ""
    return f"({num(low, digits)}–{num(high, digits)})"


def estimate(stat: dict[str, Any] | None, digits: int = 3) -> str:
    """'0.842 (0.811–0.870)'; 'undefined: <reason>' for an undefined value."""
    if not stat:
        return "undefined: not computed"
    value = stat.get("value")
    if not is_num(value):
        return undefined(stat.get("reason"))
    ci = interval(stat.get("ci_low"), stat.get("ci_high"), digits)
    return f"{num(value, digits)} {ci}".strip()


def undefined(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        return "undefined"
    return text if text.lower().startswith("undefined") else f"undefined: {text}"


def metric_label(name: Any) -> str:
    return METRIC_LABEL.get(str(name), str(name))


def limit(op: Any, threshold: Any) -> str:
    if op is None or not is_num(threshold):
        return DASH
    return f"{OP_TEXT.get(str(op), str(op))} {num(threshold)}"


def status_word(status: str) -> str:
    return STATUS_WORD.get(status, status.upper())


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


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
