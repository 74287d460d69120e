"""results.json: the machine-readable truth of a build (schema: schemas/results.schema.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fairgov import __version__
from fairgov.gates import GateReport
from fairgov.jsonout import dumps

__all__ = ["RESULTS_SCHEMA_VERSION", "assemble", "dumps", "verdict"]

RESULTS_SCHEMA_VERSION = "1.2"


def verdict(report: GateReport, strict: bool = False) -> dict[str, Any]:
    counts = {s: 0 for s in ("pass", "fail", "inconclusive", "warn", "waived")}
    for r in report.results:
        counts[r.status] += 1
    blocking = [r for r in report.results if r.blocking or (strict and r.status == "warn")]
    status = "blocked" if blocking else "passed"
    return {"status": status, "blocking": len(blocking), "counts": counts,
            "summary": _summary(status, counts, len(blocking))}


def _summary(status: str, c: dict[str, int], blocking: int) -> str:
    head = "BLOCKED" if status == "blocked" else "PASSED"
    parts = [f"{c['fail']} failed", f"{c['inconclusive']} inconclusive", f"{c['warn']} warning(s)",
             f"{c['waived']} waived", f"{c['pass']} passed"]
    return f"{head} — {blocking} blocking; " + ", ".join(parts)


def assemble(
    *,
    project: Any,
    build_date: dt.date,
    report: GateReport,
    evaluations: dict[str, dict[str, Any]],
    coverage: dict[str, Any],
    inputs: list[dict[str, str]],
    command: list[str],
    strict: bool,
) -> dict[str, Any]:
    seeds = {ref: {"bootstrap": ev.get("measure", {}).get("bootstrap", {}).get("seed")} for ref, ev in evaluations.items()}
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "fairgov_version": __version__,
        "build_date": build_date.isoformat(),
        "project": {"id": project.id, "title": project.title, "version": project.version} if project else None,
        "verdict": verdict(report, strict),
        "gates": [r.to_dict() for r in report.results],
        "waivers": report.waivers,
        "evaluations": evaluations,
        "coverage": coverage,
        "provenance": {"fairgov_version": __version__, "build_date": build_date.isoformat(),
                       "inputs": inputs, "seeds": seeds, "command": command},
    }
