"""results.json: the machine-readable truth of a build (schema: schemas/results.schema.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fairgov import __version__
from fairgov.gates import GateReport
from fairgov.gates.outcome import tally
from fairgov.jsonout import dumps
from fairgov.results import RESULTS_SCHEMA_VERSION, Results, parse

__all__ = ["RESULTS_SCHEMA_VERSION", "assemble", "dumps", "verdict"]


def verdict(report: GateReport, strict: bool = False) -> dict[str, Any]:
    t = tally([(r.status, r.blocking) for r in report.results], strict)
    return {"status": t.status, "blocking": t.blocking, "counts": t.counts,
            "summary": _summary(t.status, t.counts, t.blocking)}


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
    date_source: str | None = None,
) -> Results:
    """The typed results of a build (`fairgov.results.dump` writes results.json)."""
    seeds = {
        ref: {"bootstrap": ev.get("measure", {}).get("bootstrap", {}).get("seed")}
        for ref, ev in evaluations.items()
    }
    provenance: dict[str, Any] = {
        "fairgov_version": __version__,
        "build_date": build_date.isoformat(),
        "inputs": inputs,
        "seeds": seeds,
        "command": command,
    }
    if date_source is not None:
        provenance["build_date_source"] = date_source
    return parse(
        {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "fairgov_version": __version__,
            "build_date": build_date.isoformat(),
            "project": {"id": project.id, "title": project.title, "version": project.version}
            if project
            else None,
            "verdict": verdict(report, strict),
            "gates": [r.to_dict() for r in report.results],
            "waivers": report.waivers,
            "evaluations": evaluations,
            "coverage": coverage,
            "provenance": provenance,
        }
    )
