"""`run_monitor`: compile the project, run the plan, write the outputs, decide the exit code.

Exit codes as for build: 0 no blocking alert, 1 a blocking alert or blocking inconclusive,
2 errors (spec, source, store, outputs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairgov.diagnostics import Diagnostic, ExitCode, FairgovError
from fairgov.jsonout import dumps
from fairgov.monitor import engine, outputs, results
from fairgov.monitor.plan import Plan, resolve_plan
from fairgov.validate import compile_project
from fairgov.validate.paths import PathEscape, resolve_inside


@dataclass
class MonitorOutcome:
    exit_code: int
    doc: dict[str, Any] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    out_dir: Path | None = None
    stats: dict[str, Any] = field(default_factory=dict)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise FairgovError(
            Diagnostic("<command line>", 1, 1, "FG715", f"{option} {value!r} is not YYYY-MM-DD")
        ) from err


def store_path(plan: Plan, override: str | None) -> Path:
    if override:
        return Path(override)
    if plan.monitoring.history:
        try:
            return resolve_inside(plan.root, plan.monitoring.history)
        except PathEscape as err:
            raise FairgovError(
                Diagnostic(plan.entry.doc.relpath, 1, 1, "FG718", f"monitoring.history: {err}")
            ) from err
    return plan.cache / "monitor" / "history.duckdb"


def _warm_reports() -> None:
    from fairgov.monitor.report import warm

    warm()


def run_monitor(
    path: str | Path,
    *,
    deployment: str | None = None,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    out: str | Path | None = None,
    store: str | None = None,
    command: list[str] | None = None,
    reports: bool = True,
) -> MonitorOutcome:
    cp = compile_project(path)
    if not cp.ok:
        return MonitorOutcome(ExitCode.ERROR, None, cp.diagnostics)
    plan = resolve_plan(cp, deployment)
    at = parse_date(as_of, "--as-of")
    run = engine.run(
        plan,
        store_path(plan, store),
        dt.datetime.combine(at, dt.time()) if at else None,
        parse_date(since, "--since"),
        parse_date(until, "--until"),
        _warm_reports if reports else None,
    )
    for t in run.triggers:
        t["line"] = plan.entry.doc.position(f"/monitoring/triggers/{t['index']}")[0]
    doc = results.assemble(run, command or ["fairgov", "monitor"])
    out_dir = Path(out) if out else cp.output_dir / "monitor" / plan.id
    stats = {
        "measures_computed": run.stats.measures_computed,
        "measures_reused": run.stats.measures_reused,
        "outcomes_computed": run.stats.outcomes_computed,
        "outcomes_reused": run.stats.outcomes_reused,
        "periods_fetched": run.stats.periods_fetched,
        "periods": len(run.periods),
        "files_read": run.stats.files_read,
        "files_reused": run.stats.files_reused,
    }
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # serialised once: monitoring.json and the PDF's attachment (0.7 s at 24 months)
    doc_text = dumps(doc)
    outputs.write_all(
        out_dir,
        doc,
        {**stats, "resources": {**run.resources, "peak_rss_mib": round(own)}},
        doc_text,
    )
    if reports:
        from fairgov.monitor.report import write_reports

        try:
            write_reports(out_dir, doc, doc_text=doc_text)
        except OSError as err:
            raise FairgovError(
                Diagnostic(
                    str(out_dir), 1, 1, "FG601", f"cannot write outputs: {err.strerror or err}"
                )
            ) from err
    code = ExitCode.FINDINGS if doc["verdict"]["status"] == "alert" else ExitCode.OK
    return MonitorOutcome(code, doc, [d for d in cp.diagnostics if not d.is_error], out_dir, stats)
