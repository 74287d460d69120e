"""`group_thresholds` variants of a multilabel or multiclass Evaluation, one endpoint at a time
(issue 15, first piece of mitigations on non-binary tasks).

Each endpoint (a label, or a class one-vs-rest) is a binary (label, score) table
(``fairgov.pipeline.tasks.endpoint_table``), so its variant is exactly the binary one
(``fairgov.pipeline.variants._group_thresholds``): per-group thresholds fitted on the
validation rows of that endpoint's score, decisions measured on its test rows; and its paired
comparison is the binary one against the endpoint's own baseline threshold.

Not wired into the build yet: validate/tasks.py still refuses every mitigation on a non-binary
task (FG323) and results.json has no place for these records (that needs schema 1.5). Only
``group_thresholds`` is run here (it needs no re-fit); other types are refused.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairgov.evaluate.tasks import MultiTask
from fairgov.pipeline.tasks import endpoint_table
from fairgov.pipeline.variants import (
    VariantFailure,
    _compare,
    _group_thresholds,
    mitigation_record,
)

__all__ = ["endpoint_variants"]


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
