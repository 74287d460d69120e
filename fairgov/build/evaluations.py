"""Stage evaluate (+ measure) for every Evaluation of the project.

Failures never raise out of here: an evaluation that cannot run is recorded with its
diagnostics and error, and the gates that depend on it become inconclusive (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fairgov.build.measure import composition, measure_evaluation
from fairgov.build.predictions import EvalFailure, predictions_table
from fairgov.build.steps import SILENT, Steps
from fairgov.diagnostics import Diagnostic
from fairgov.gates import EvalOutcome
from fairgov.validate.paths import resolve_inside
from fairgov.validate.project import CompiledProject, Entry
from fairgov.validate.semantic import subgroup_name

#: per-run statistics: they differ between a cold and a warm (cached) build of the same
#: inputs, so they go to run-stats.json instead of the deterministic results.json
RUN_STATS = (
    "forward_passes", "images_embedded", "cache_hits", "cache_misses", "cache_corrupt_entries",
    "runner_workers", "shards_computed", "shards_cached", "shard_retries",
)


@dataclass
class EvaluationRecord:
    ref: str
    outcome: EvalOutcome
    result: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    predictions: pd.DataFrame | None = None
    run_stats: dict[str, Any] = field(default_factory=dict)


def run_all(cp: CompiledProject, runner_options: dict[str, Any] | None = None, steps: Steps = SILENT) -> dict[str, EvaluationRecord]:
    out = {}
    for e in sorted(cp.of_kind("Evaluation"), key=lambda e: e.ref):
        with steps.step(f"evaluating {e.ref} ({e.model.protocol.type})"):
            out[e.ref] = run_one(cp, e, runner_options or {})
    return out


def run_one(cp: CompiledProject, entry: Entry, options: dict[str, Any]) -> EvaluationRecord:
    ev = entry.model
    ds_entry, card = cp.get(ev.dataset), cp.model(ev.model)
    assert ds_entry is not None  # validation guarantees the reference resolves
    subgroups = {subgroup_name(s) for s in ev.subgroups}
    base = {"id": ev.id, "title": ev.title, "model": ev.model, "dataset": ev.dataset,
            "protocol": ev.protocol.type, "task": ev.task.model_dump(), "subgroups": sorted(subgroups)}
    try:
        table, provenance, dropped = predictions_table(cp, ev, ds_entry, card, options)
        threshold, measured = measure_evaluation(table, ds_entry.model, ev)
        comp = composition(provenance.pop("_composition_table"), ds_entry.model, ev)
        stats = {k: provenance.pop(k) for k in RUN_STATS if k in provenance}
    except EvalFailure as err:
        hint = ("it stopped at the invalid rows reported with it; fix them, or set `drop_invalid_rows: true` "
                "to drop and report them" if err.rows else None)
        diag = entry.diag("/protocol", "FG400", f"evaluation {ev.id!r} did not run: {err}", hint=hint)
        outcome = EvalOutcome(entry.ref, None, str(err), None, subgroups)
        result = {**base, "status": "error", "error": str(err), "code": err.code}
        return EvaluationRecord(entry.ref, outcome, result, [diag, *err.rows])
    result = {**base, "status": "ok", "error": None, "threshold": {"policy": ev.threshold.policy,
              "target": ev.threshold.value, "value": threshold, "fitted_on": "validation"},
              "composition": comp, "dropped": dropped, "measure": measured, "provenance": provenance}
    outcome = EvalOutcome(entry.ref, measured, None, threshold, subgroups)
    return EvaluationRecord(entry.ref, outcome, result, dropped_diagnostics(entry, dropped, provenance), table, stats)


def dropped_diagnostics(entry: Entry, dropped: dict[str, Any], provenance: dict[str, Any]) -> list[Diagnostic]:
    """FG430: a warning that says how many rows `drop_invalid_rows` left out, and why."""
    if not dropped.get("reasons"):
        return []
    total = (provenance.get("rows") or {}).get("total")
    of = f" of {total}" if total is not None else ""
    why = "; ".join(f"{r['file']}: {r['code']} {r['message']}" for r in dropped["reasons"])
    return [entry.diag("/drop_invalid_rows", "FG430",
                       f"drop_invalid_rows: {dropped['rows']}{of} manifest row(s) left out of metrics and composition — {why}",
                       severity="warning", hint="fix the rows to put them back; `fairgov explain FG430`")]


def manifest_path(cp: CompiledProject, datasheet: Any) -> Path:
    return resolve_inside(cp.root, datasheet.manifest.path)
