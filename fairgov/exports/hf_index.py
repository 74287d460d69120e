"""The Hugging Face `model-index` (card metadata) with per-subgroup results.

Spec: https://github.com/huggingface/hub-docs/blob/main/modelcard.md (parsed by
`huggingface_hub.ModelCardData` into `EvalResult`s). One result entry per evaluation (per label
or class of a multilabel / multiclass evaluation, its task named `label = positive`); one
metric entry per (metric, overall or subgroup) with `type`, `name` and a numeric `value`; the
interval, level, subgroup and cell size travel in `args`. Undefined values are left out of the
index (the index needs a value) but stay in the card's tables with their reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fairgov.validate import CompiledProject

TASK_TYPE = "image-classification"


def model_index(
    name: str, cp: CompiledProject, refs: list[str], results: dict[str, Any]
) -> list[dict[str, Any]]:
    entries = [e for ref in refs for e in _entries(cp, ref, results["evaluations"].get(ref))]
    return [{"name": name, "results": entries}] if entries else []


def _entries(cp: CompiledProject, ref: str, ev: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The evaluation's result entries: one, or one per label / class (schema 1.3)."""
    if not ev or ev.get("status") != "ok":
        return []
    if ev.get("labels"):
        return [_result(cp, ref, ev, f"{name} = {end.get('positive')}", end["measure"])
                for name, end in ev["labels"].items()]
    if not ev.get("measure"):
        return []
    task = ev.get("task") or {}
    return [_result(cp, ref, ev, f"{task.get('label')} = {task.get('positive')}", ev["measure"])]


def _result(cp: CompiledProject, ref: str, ev: dict[str, Any], task: str,
            measure: dict[str, Any]) -> dict[str, Any]:
    dataset = cp.model(ev["dataset"])
    entry: dict[str, Any] = {
        "task": {"type": TASK_TYPE, "name": task},
        "dataset": {
            "type": ev["dataset"].split("/", 1)[1],
            "name": dataset.title if dataset else ev["dataset"],
            "config": ref.split("/", 1)[1],
            "split": _test_split(cp, ref),
        },
        "metrics": list(_metrics(measure)),
    }
    return entry


def _test_split(cp: CompiledProject, ref: str) -> str:
    evaluation = cp.model(ref)
    return evaluation.splits.test if evaluation is not None else "test"


def _metrics(measure: dict[str, Any]) -> Iterator[dict[str, Any]]:
    level = (measure.get("bootstrap") or {}).get("level")
    overall = measure.get("overall") or {}
    yield from _cell_metrics(overall, "overall", None, None, level)
    for attribute, block in (measure.get("attributes") or {}).items():
        for group, cell in (block.get("groups") or {}).items():
            yield from _cell_metrics(cell, f"{attribute}: {group}", attribute, group, level)


def _cell_metrics(cell: dict[str, Any], label: str, attribute: str | None, group: str | None,
                  level: float | None) -> Iterator[dict[str, Any]]:
    for metric, m in (cell.get("metrics") or {}).items():
        if m.get("value") is None:
            continue
        args = {
            "subgroup": label,
            "attribute": attribute,
            "group": group,
            "ci_low": m.get("ci_low"),
            "ci_high": m.get("ci_high"),
            "ci_level": level,
            "n": cell.get("n"),
            "n_pos": cell.get("n_pos"),
            "n_neg": cell.get("n_neg"),
        }
        yield {"type": metric, "name": f"{metric} ({label})", "value": m["value"],
               "args": {k: v for k, v in args.items() if v is not None}}
