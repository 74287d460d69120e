"""Stage evaluate (+ measure) for every Evaluation of the project.

Failures never raise out of here: an evaluation that cannot run is recorded with its
diagnostics and error, and the gates that depend on it become inconclusive (fail closed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from fairgov.diagnostics import Diagnostic
from fairgov.evaluate.hashindex import HashIndex
from fairgov.gates import EvalOutcome
from fairgov.pipeline.predictions import RUN_STATS, EvalFailure, predictions_table, table_bytes
from fairgov.pipeline.record import EvaluationRecord, through_json
from fairgov.pipeline.reuse import make_plan, rest_attributes
from fairgov.pipeline.steps import SILENT, Steps
from fairgov.pipeline.task_variants import attach_endpoint_variants
from fairgov.pipeline.tasks import measure_task, multi_task
from fairgov.pipeline.variants import attach_variants
from fairgov.validate.paths import resolve_inside
from fairgov.validate.project import CompiledProject, Entry
from fairgov.vocabulary import subgroup_name


def run_all(cp: CompiledProject, runner_options: dict[str, Any] | None = None,
            index: HashIndex | None = None, steps: Steps = SILENT) -> dict[str, EvaluationRecord]:
    index = index if index is not None else HashIndex(None)
    out = {}
    for e in sorted(cp.of_kind("Evaluation"), key=lambda e: e.ref):
        with steps.step(f"evaluating {e.ref} ({e.model.protocol.type})"):
            out[e.ref] = run_one(cp, e, runner_options or {}, index)
    return out


def run_one(
    cp: CompiledProject, entry: Entry, options: dict[str, Any], index: HashIndex | None = None
) -> EvaluationRecord:
    """One Evaluation and, when it declares mitigations, its variants and their paired
    comparison."""
    record = _run_baseline(cp, entry, options, index)
    index = index if index is not None else HashIndex(None)
    if entry.model.mitigations and entry.model.task.type == "binary":
        attach_variants(cp, entry, record, options, index)
    elif entry.model.mitigations:  # per endpoint (pipeline.task_variants); fine_tune: FG323
        attach_endpoint_variants(cp, entry, record, options, index)
    return record


def _run_baseline(
    cp: CompiledProject, entry: Entry, options: dict[str, Any], index: HashIndex | None = None
) -> EvaluationRecord:
    """One Evaluation; its cached stages (fairgov.pipeline.reuse) are reused when their inputs'
    hashes are unchanged, so a warm run with nothing changed runs no model and no bootstrap."""
    ev = entry.model
    index = index if index is not None else HashIndex(None)
    ds_entry, card = cp.get(ev.dataset), cp.model(ev.model)
    assert ds_entry is not None  # validation guarantees the reference resolves
    subgroups = {subgroup_name(s) for s in ev.subgroups}
    plan = (
        make_plan(cp, entry, ds_entry, card, options, index) if options.get("reuse", True) else None
    )
    cached = plan.load_measurement() if plan is not None else None
    if plan is not None and cached is not None:
        _followers_stop(ev, options)
        stages = (
            {"probe_outputs": _stage(True), "measurement": _stage(True)}
            if plan.key_probe
            else {"measurement": _stage(True)}
        )
        return _record(entry, cached, subgroups, None, _reused_stats(cached, plan, stages))
    base = {
        "id": ev.id,
        "title": ev.title,
        "model": ev.model,
        "dataset": ev.dataset,
        "protocol": ev.protocol.type,
        "task": ev.task.dump(),
        "subgroups": sorted(subgroups),
    }
    from fairgov.pipeline.measure import composition, measure_evaluation  # scipy: only to measure

    probe_hit = plan.load_probe() if plan is not None else None
    try:
        table, provenance, dropped = predictions_table(
            cp, ev, ds_entry, card, options, probe_hit, index
        )
        comp_table = provenance.pop("_composition_table")
        dropped_index = provenance.pop("_dropped_index")
        probe_inputs = provenance.pop("_probe_inputs", None)
        stats = {k: provenance.pop(k) for k in RUN_STATS if k in provenance}
        if plan is not None and plan.key_probe is not None and probe_hit is None:
            _store_probe(plan, table, provenance, dropped, dropped_index)
        task = multi_task(ds_entry.model, ev)
        if task is None:
            threshold, measured = measure_evaluation(
                table, ds_entry.model, ev, rest_attributes(cp, entry.ref)
            )
        else:
            endpoints = measure_task(table, ds_entry.model, ev, task)
        comp = composition(comp_table, ds_entry.model, ev)
    except EvalFailure as err:
        hint = (
            "it stopped at the invalid rows reported with it; fix them, or set `drop_invalid_rows: "
            "true` to drop and report them"
            if err.rows
            else None
        )
        # row problems carry their own codes; a failure without rows is located here, under
        # its own code (FG420 weights pin, FG460 library missing...), not the generic FG400
        code = "FG400" if err.rows else err.code
        diag = entry.diag("/protocol", code, f"evaluation {ev.id!r} did not run: {err}", hint=hint)
        outcome = EvalOutcome(entry.ref, None, str(err), None, subgroups)
        result = {**base, "status": "error", "error": str(err), "code": err.code}
        return EvaluationRecord(entry.ref, outcome, result, [diag, *err.rows])
    result = {
        **base,
        "status": "ok",
        "error": None,
        "composition": comp,
        "dropped": dropped,
        "provenance": provenance,
    }
    if task is None:
        result["threshold"] = {
            "policy": ev.threshold.policy,
            "target": ev.threshold.value,
            "value": threshold,
            "fitted_on": "validation",
        }
        result["measure"] = measured
    else:  # a multilabel / multiclass task: one endpoint per label or class (schema 1.3)
        result["labels"] = endpoints["labels"]
        if endpoints["task_metrics"] is not None:
            result["task_metrics"] = endpoints["task_metrics"]
    if plan is not None:
        result = through_json(result)
        plan.store_measurement(result)
        stats = (
            _reused_stats(result, plan, _stages(plan, probe_hit is not None))
            if probe_hit is not None
            else stats
        )
        stats["stages"] = _stages(plan, probe_hit is not None)
        stats["stage_cache_corrupt_entries"] = plan.cache.stats.corrupt
        plan.remember()
    record = _record(entry, result, subgroups, table, stats)
    if probe_inputs is not None:
        record.probe_inputs = {"inputs": probe_inputs, "frame": comp_table}
    return record


def _followers_stop(ev: Any, options: dict[str, Any]) -> None:
    """Under torchrun only rank 0 writes outputs; with nothing to embed the other ranks stop
    here (status 0) as they would after the embedding barrier."""
    import os

    if (options.get("runner") or ev.compute.runner) == "torchrun" and os.environ.get(
        "RANK", "0"
    ) not in ("", "0"):
        raise SystemExit(0)


def _record(
    entry: Entry,
    result: dict[str, Any],
    subgroups: set[str],
    table: pd.DataFrame | None,
    stats: dict[str, Any],
) -> EvaluationRecord:
    outcome = EvalOutcome(
        entry.ref,
        result.get("measure"),
        None,
        (result.get("threshold") or {}).get("value"),
        subgroups,
        labels={k: v["measure"] for k, v in (result.get("labels") or {}).items()},
        task_metrics=result.get("task_metrics"),
    )
    diags = dropped_diagnostics(entry, result.get("dropped") or {}, result.get("provenance") or {})
    return EvaluationRecord(entry.ref, outcome, result, diags, table, stats)


def _store_probe(
    plan: Any,
    table: pd.DataFrame,
    provenance: dict[str, Any],
    dropped: dict[str, Any],
    dropped_index: list[Any] | None = None,
) -> None:

    data = table_bytes(table)
    if (
        data is not None
    ):  # the dropped rows' manifest positions: a reuse leaves them out of the composition too
        plan.store_probe(
            data,
            {
                "provenance": provenance,
                "dropped": dropped,
                "dropped_index": [int(i) for i in dropped_index or []],
            },
        )


def _stage(reused: bool, reason: str | None = None) -> dict[str, Any]:
    return {"reused": reused, "reason": None if reused else reason}


def _stages(plan: Any, probe_reused: bool) -> dict[str, Any]:
    out = {"measurement": _stage(False, plan.reran("measurement"))}
    if plan.key_probe is not None:
        out = {"probe_outputs": _stage(probe_reused, plan.reran("probe_outputs")), **out}
    return out


def _reused_stats(result: dict[str, Any], plan: Any, stages: dict[str, Any]) -> dict[str, Any]:
    """Run statistics when no model ran: every image's output came from the cache."""
    images = len(result.get("provenance", {}).get("files", {})) if plan.key_probe else 0
    stats: dict[str, Any] = dict.fromkeys(RUN_STATS, 0)
    stats.update(
        cache_hits=images, stage_cache_corrupt_entries=plan.cache.stats.corrupt, stages=stages
    )
    return stats


def dropped_diagnostics(
    entry: Entry, dropped: dict[str, Any], provenance: dict[str, Any]
) -> list[Diagnostic]:
    """FG430: a warning that says how many rows `drop_invalid_rows` left out, and why."""
    if not dropped.get("reasons"):
        return []
    total = (provenance.get("rows") or {}).get("total")
    of = f" of {total}" if total is not None else ""
    why = "; ".join(f"{r['file']}: {r['code']} {r['message']}" for r in dropped["reasons"])
    return [
        entry.diag(
            "/drop_invalid_rows",
            "FG430",
            f"drop_invalid_rows: {dropped['rows']}{of} manifest row(s) left out of metrics and "
            f"composition — {why}",
            severity="warning",
            hint="fix the rows to put them back; `fairgov explain FG430`",
        )
    ]


def manifest_path(cp: CompiledProject, datasheet: Any) -> Path:
    return resolve_inside(cp.root, datasheet.manifest.path)
