"""monitoring.json: the versioned, deterministic record of one monitor run."""

from __future__ import annotations

from typing import Any

import fairgov
from fairgov.monitor.engine import MonitorRun

#: v2: stats in `measures` record structured `reasons` (results.json 1.4)
#: v3: period outcomes and triggers record their own `reasons` (code, params, English text)
#: beside the English `reason` (fairgov/monitor/checks.py, rules.py)
SCHEMA_VERSION = "fairgov/monitoring/v3"


def verdict(triggers: list[dict[str, Any]]) -> dict[str, Any]:
    blocking = [t["id"] for t in triggers if t["blocking"]]
    alerts = [t["id"] for t in triggers if t["status"] == "alert"]
    status = "alert" if blocking else "ok"
    summary = (
        f"ALERT: {len(blocking)} blocking trigger(s): {', '.join(blocking)}"
        if blocking
        else f"no blocking alert ({len(alerts)} non-blocking alert(s))"
        if alerts
        else "no alert"
    )
    return {"status": status, "blocking": blocking, "alerts": alerts, "summary": summary}


def assemble(run: MonitorRun, command: list[str]) -> dict[str, Any]:
    plan = run.plan
    dp = plan.entry.model
    return {
        "schema": SCHEMA_VERSION,
        "fairgov_version": fairgov.__version__,
        "deployment": {
            "id": dp.id,
            "title": dp.title,
            "version": dp.version,
            "site": dp.site.name,
            "file": plan.entry.doc.relpath,
            "spec_sha256": plan.entry.doc.sha256,
        },
        "as_of": run.as_of.isoformat(),
        "plan": {
            "period": plan.monitoring.period,
            "label_delay_days": plan.monitoring.label_delay,
            "window": plan.monitoring.window,
            "threshold": plan.threshold,
            "min_evidence": plan.monitoring.min_evidence.model_dump(),
            "bootstrap": plan.monitoring.bootstrap.model_dump(),
            "source": plan.monitoring.source.model_dump(mode="json", exclude_none=True),
            "intended_population": dp.intended_population.distribution,
        },
        "verdict": verdict(run.triggers),
        "periods": [p.to_dict() for p in run.periods],
        "triggers": run.triggers,
        "measures": run.measures,
        "provenance": {
            "inputs": run.inputs,
            "command": command,
            "periods_covered": [run.periods[0].key, run.periods[-1].key] if run.periods else [],
        },
    }
