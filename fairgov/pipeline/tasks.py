"""Multilabel and multiclass Evaluations: the spec's task as endpoints, and their measurement.

Each endpoint (a label of a multilabel task, a class of a multiclass task) is a one-vs-rest
binary evaluation measured by the metrics engine exactly as a binary task is (its own
threshold fitted on validation by the spec's policy, bootstrap, intervals, minimum evidence and
undefined cells). A multiclass task adds its task-level metrics (fairgov.metrics.multiclass).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairgov.evaluate.tasks import Endpoint, MultiTask, label_column, score_column

__all__ = ["endpoint_table", "measure_task", "multi_task", "prediction_columns"]


def multi_task(ds: Any, ev: Any) -> MultiTask | None:
    """The evaluation's task as endpoints; None for a binary task."""
    task = ev.task
    if task.type == "binary":
        return None
    labels = ds.manifest.labels
    if task.type == "multilabel":
        ends = tuple(Endpoint(t.label, labels[t.label].column, t.positive) for t in task.labels)
        allowed = {labels[t.label].column: tuple(labels[t.label].classes) for t in task.labels}
        return MultiTask("multilabel", ends, allowed)
    label = labels[task.label]
    classes = list(task.classes or label.classes)
    ends = tuple(Endpoint(c, label.column, c) for c in classes)
    return MultiTask("multiclass", ends, {label.column: tuple(classes)})


def prediction_columns(ev: Any, task: MultiTask) -> dict[str, str]:
    """{endpoint: score column} of a predictions file (default `<score_column>_<name>`)."""
    declared = ev.protocol.score_columns or {}
    return {n: declared.get(n, f"{ev.protocol.score_column}_{n}") for n in task.names}


def endpoint_table(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The predictions table of one endpoint, as a binary task's (label, score)."""
    return table.assign(
        label=table[label_column(name)].astype(int), score=table[score_column(name)]
    )


def measure_task(table: pd.DataFrame, datasheet: Any, ev: Any, task: MultiTask) -> dict[str, Any]:
    """{"labels": {name: endpoint record}, "task_metrics": multiclass summary or None}."""
    from fairgov.pipeline.measure import group_columns, measure_evaluation

    labels = {}
    for e in task.endpoints:
        threshold, measured = measure_evaluation(endpoint_table(table, e.name), datasheet, ev)
        labels[e.name] = {
            "column": e.column,
            "positive": e.positive,
            "threshold": {
                "policy": ev.threshold.policy,
                "target": ev.threshold.value,
                "value": threshold,
                "fitted_on": "validation",
            },
            "measure": measured,
        }
    summary = None
    if task.type == "multiclass":
        summary = _multiclass(table, datasheet, ev, task, group_columns)
    return {"labels": labels, "task_metrics": summary}


def _multiclass(
    table: pd.DataFrame, datasheet: Any, ev: Any, task: MultiTask, group_columns: Any
) -> dict[str, Any]:
    from fairgov import metrics as fm
    from fairgov.metrics.multiclass import task_metrics

    test = table[table["split"] == "test"].reset_index(drop=True)
    Y = np.column_stack([test[label_column(n)].to_numpy(int) for n in task.names])
    P = np.column_stack([test[score_column(n)].to_numpy(float) for n in task.names])
    b = ev.bootstrap
    groups = group_columns(test, datasheet, ev)
    return task_metrics(
        Y,
        P,
        test["patient_id"].astype(str).to_numpy(),
        groups,
        task.names,
        fm.BootstrapConfig(
            resamples=b.resamples, level=b.level, seed=b.seed, interval="percentile"
        ),
        min_rows=max(1, ev.min_evidence.positives),
    )
