"""`group_thresholds` variants of a multilabel or multiclass Evaluation, one endpoint at a time
(issue 15, first piece of mitigations on non-binary tasks).

Each endpoint (a label, or a class one-vs-rest) is a binary (label, score) table
(``fairgov.pipeline.tasks.endpoint_table``), so its variant is exactly the binary one
(``fairgov.pipeline.variants._group_thresholds``): per-group thresholds fitted on the
validation rows of that endpoint's score, decisions measured on its test rows; and its paired
comparison is the binary one against the endpoint's own baseline threshold.

The build (``attach_endpoint_variants``) stores them under ``labels.<k>.variants`` and
``labels.<k>.comparisons`` (results schema 1.5); comparison gates name the endpoint with
``label:``. Only ``group_thresholds`` is run per endpoint (it needs no re-fit); validation
refuses the other types on these tasks (FG323). The endpoint variants are not cached: a warm
build re-reads the scores table and re-runs their bootstrap.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.tasks import MultiTask
from fairgov.pipeline.record import EvaluationRecord, through_json
from fairgov.pipeline.reuse import make_plan
from fairgov.pipeline.tasks import endpoint_table, multi_task
from fairgov.pipeline.variants import (
    VariantFailure,
    VariantRun,
    _baseline_table,
    _compare,
    _group_thresholds,
    compared_variants,
    gated_statistics,
    mitigation_record,
)
from fairgov.validate.project import CompiledProject, Entry

__all__ = ["attach_endpoint_variants", "endpoint_variants"]


def endpoint_variants(
    ev: Any,
    datasheet: Any,
    task: MultiTask,
    table: pd.DataFrame,
    labels: dict[str, Any],
    mitigations: list[Any],
    stats: list[Any],
    candidates: list[str] | None = None,
    baseline: str = "baseline",
) -> dict[str, dict[str, Any]]:
    """{endpoint: {"variants": {id: record}, "comparisons": [...]}}.

    `table`: the evaluation's predictions table (validation and test rows, every endpoint's
    label and score columns); `labels`: the measured endpoints (``measure_task(...)["labels"]``),
    whose fitted thresholds are the baselines; `stats`: the compared statistics
    (``fairgov.mitigate.compare.Statistic``); `candidates`: the compared variants (default:
    every mitigation)."""
    for m in mitigations:
        if m.type != "group_thresholds":
            raise VariantFailure(
                "FG323", f"{m.type} variants are not run per endpoint; only group_thresholds is"
            )
    chosen = [m.id for m in mitigations] if candidates is None else list(candidates)
    out: dict[str, dict[str, Any]] = {}
    for name in task.names:
        one = endpoint_table(table, name)
        variants: dict[str, Any] = {}
        entries: dict[str, Any] = {}
        for m in mitigations:
            head = {"id": m.id, "title": m.title, "mitigation": mitigation_record(m)}
            try:
                body, arm = _group_thresholds(ev, datasheet, m, one)
            except Exception as err:  # noqa: BLE001 - an unfittable endpoint is a finding
                code = str(getattr(err, "code", None) or "FG487")
                variants[m.id] = {**head, "status": "error", "error": str(err), "code": code}
                entries[m.id] = None
                continue
            variants[m.id] = {**head, "status": "ok", "error": None, **body}
            entries[m.id] = {"record": variants[m.id], "arm": arm}
        threshold = labels[name]["threshold"]["value"]
        comparisons = _compare(ev, datasheet, one, entries, baseline, chosen, stats, threshold)
        out[name] = {"variants": variants, "comparisons": comparisons}
    return out


def attach_endpoint_variants(
    cp: CompiledProject,
    entry: Entry,
    record: EvaluationRecord,
    options: dict[str, Any],
    index: HashIndex,
) -> None:
    """Run every group_thresholds variant of a multilabel / multiclass evaluation on each
    endpoint and add them, with their paired comparisons, to the record's `labels` in place."""
    ev = entry.model
    mitigations = [m for m in ev.mitigations if m.type == "group_thresholds"]
    if not mitigations or record.result.get("status") != "ok":
        return
    run = VariantRun(cp, entry, record, options, index)
    task = multi_task(run.ds_entry.model, ev)
    assert task is not None
    table = record.predictions
    if table is None:
        plan = (
            make_plan(cp, entry, run.ds_entry, run.card, options, index)
            if options.get("reuse", True)
            else None
        )
        table = _baseline_table(run, plan)
    base_id, candidates = compared_variants(cp, entry, ev)
    labels = record.result["labels"]
    out = endpoint_variants(
        ev,
        run.ds_entry.model,
        task,
        table,
        labels,
        mitigations,
        gated_statistics(cp, entry),
        candidates=candidates,
        baseline=base_id,
    )
    for name, body in out.items():
        labels[name]["variants"] = through_json(body["variants"])
        labels[name]["comparisons"] = through_json(body["comparisons"])
        record.outcome.label_comparisons[name] = labels[name]["comparisons"]
        for vid, rec in labels[name]["variants"].items():
            if rec.get("status") != "ok":
                i = [m.id for m in ev.mitigations].index(vid)
                record.diagnostics.append(
                    entry.diag(
                        f"/mitigations/{i}",
                        rec.get("code") or "FG487",
                        f"variant {vid!r} did not run on {name!r}: {rec.get('error')}",
                        severity="warning",
                        hint="its comparison gates on this label are inconclusive",
                    )
                )
