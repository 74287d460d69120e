"""The consecutive rule and a trigger's status: ok / alert / inconclusive / pending.

A period *alerts* when it and the `consecutive - 1` periods before it (pending periods
skipped, an inconclusive or ok period resets the run) all breach. The trigger's status is
that of its latest period that is not pending: alert, inconclusive, or ok (a breach
that has not yet lasted `consecutive` periods is ok, with the count in its reason);
pending when no period could be judged yet. Blocking: severity `block` and alert, or
inconclusive unless `inconclusive_blocks: false`. A trigger's `reasons` (code, params, English
text) say why, its `reason` is their English text.
"""

from __future__ import annotations

from typing import Any

from fairgov.monitor.checks import reasons_of
from fairgov.reasons import Reason, join


def apply_consecutive(periods: list[dict[str, Any]], n: int) -> list[str]:
    run = 0
    alerts = []
    for rec in periods:
        if rec["status"] == "pending":
            rec["run"] = None
            continue
        run = run + 1 if rec["status"] == "breach" else 0
        rec["run"] = run
        rec["alert"] = run >= n
        if rec["alert"]:
            alerts.append(rec["period"])
    return alerts


def summarise(index: int, trigger: Any, periods: list[dict[str, Any]]) -> dict[str, Any]:
    check = trigger.check
    alerts = apply_consecutive(periods, check.consecutive)
    judged = [p for p in periods if p["status"] != "pending"]
    latest = judged[-1] if judged else None
    reasons: tuple[Reason, ...]
    if latest is None:
        status, reasons = "pending", (Reason("no-final-period"),)
    elif latest.get("alert") or latest["status"] == "breach":
        said = {
            "run": latest["run"],
            "consecutive": check.consecutive,
            "reason": reasons_of(latest),
        }
        status, reasons = (
            ("alert", (Reason("breach-alert", said),))
            if latest.get("alert")
            else ("ok", (Reason("breach-run", said),))
        )
    else:
        status, reasons = latest["status"], reasons_of(latest)
    blocking = check.severity == "block" and (
        status == "alert" or (status == "inconclusive" and check.inconclusive_blocks)
    )
    return {
        "id": trigger.id,
        "index": index,
        "condition": trigger.condition,
        "action": trigger.action,
        "type": check.type,
        "severity": check.severity,
        "consecutive": check.consecutive,
        "check": check.model_dump(mode="json"),
        "status": status,
        "blocking": blocking,
        "reason": join(reasons),
        "reasons": [r.to_dict() for r in reasons],
        "latest_period": latest["period"] if latest else None,
        "alert_periods": alerts,
        "first_alert": alerts[0] if alerts else None,
        "periods": periods,
    }
