"""The consecutive rule and a trigger's status: ok / alert / inconclusive / pending.

A period *alerts* when it and the `consecutive - 1` periods before it (pending periods
skipped, an inconclusive or ok period resets the run) all breach. The trigger's status is
that of its latest period that is not pending: alert, inconclusive, or ok (a breach
that has not yet lasted `consecutive` periods is ok, with the count in its reason);
pending when no period could be judged yet. Blocking: severity `block` and alert, or
inconclusive unless `inconclusive_blocks: false`.
"""

from __future__ import annotations

from typing import Any


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
    if latest is None:
        status, reason = "pending", "no period with final labels yet"
    elif latest.get("alert"):
        status, reason = (
            "alert",
            f"breached {latest['run']} period(s) in a row (alert after {check.consecutive}): "
            f"{latest['reason']}",
        )
    elif latest["status"] == "inconclusive":
        status, reason = "inconclusive", latest["reason"]
    elif latest["status"] == "breach":
        status, reason = (
            "ok",
            f"breached {latest['run']} of {check.consecutive} consecutive periods needed to alert: "
            f"{latest['reason']}",
        )
    else:
        status, reason = "ok", latest["reason"]
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
        "reason": reason,
        "latest_period": latest["period"] if latest else None,
        "alert_periods": alerts,
        "first_alert": alerts[0] if alerts else None,
        "periods": periods,
    }
