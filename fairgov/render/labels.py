"""Reports of multilabel / multiclass evaluations: a label x subgroup overview first, then one
section per label (each the binary evaluation view of that label's one-vs-rest endpoint).

The overview shows one metric (AUROC) per label and group with its interval, and flags each
label's largest gap across an attribute; the largest gap of all labels is marked as the worst.
A multiclass task adds its task-level metrics (macro AUROC, balanced accuracy) per group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairgov.render import fmt
from fairgov.render.i18n import N_, gettext

__all__ = ["LabelOverview", "endpoint_evaluation", "overview"]

METRIC = "auroc"
TASK_METRICS = {"macro_auroc": N_("macro AUROC"), "balanced_accuracy": N_("balanced accuracy")}


@dataclass
class LabelOverview:
    kind: str  # multilabel / multiclass
    columns: list[tuple[str, str]]  # (attribute, group); ("", overall) first
    rows: list[dict[str, Any]] = field(default_factory=list)
    task_rows: list[dict[str, Any]] = field(default_factory=list)
    worst: str | None = None


def ordered(ev: dict[str, Any]) -> list[str]:
    """The labels / classes in the task's order (results.json sorts its keys)."""
    task, names = ev.get("task") or {}, list(ev.get("labels") or {})
    declared = [t.get("label") for t in task.get("labels") or []] or list((ev.get("task_metrics") or {}).get("classes") or [])
    return [n for n in declared if n in names] + [n for n in names if n not in declared]


def endpoint_evaluation(ev: dict[str, Any], name: str) -> dict[str, Any]:
    """One label's endpoint as a binary evaluation record (what the evaluation view reads)."""
    end = ev["labels"][name]
    title = gettext("%(title)s — label %(label)s") % {"title": ev.get("title") or ev.get("id"), "label": name}
    task = {"label": end.get("column"), "positive": end.get("positive")}
    rest = {k: v for k, v in ev.items() if k not in ("labels", "task_metrics")}
    return {**rest, "title": title, "task": task, "threshold": end["threshold"], "measure": end["measure"]}


def _columns(measure: dict[str, Any]) -> list[tuple[str, str]]:
    cols = [("", gettext("overall"))]
    for attr in sorted(a for a in measure.get("attributes", {}) if "×" not in a):
        groups = measure["attributes"][attr].get("groups", {})
        cols += [(attr, g) for g, c in groups.items() if c.get("n")]
    return cols


def _cells(block: dict[str, Any], columns: list[tuple[str, str]], metric: str) -> list[dict[str, Any]]:
    out = []
    for attr, group in columns:
        cell = block["overall"] if not attr else block["attributes"][attr]["groups"].get(group, {})
        out.append(fmt.cell((cell.get("metrics") or {}).get(metric)))
    return out


def _largest_gap(measure: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    gaps = []
    for attr, block in measure.get("attributes", {}).items():
        gap = ((block.get("aggregates") or {}).get(METRIC) or {}).get("gap") or {}
        if "×" not in attr and fmt.is_num(gap.get("value")):
            gaps.append((attr, gap))
    return max(gaps, key=lambda ag: ag[1]["value"]) if gaps else None


def overview(ev: dict[str, Any]) -> LabelOverview | None:
    labels = ev.get("labels") or {}
    if ev.get("status") != "ok" or not labels:
        return None
    columns = _columns(next(iter(labels.values()))["measure"])
    view = LabelOverview(str((ev.get("task") or {}).get("type", "")), columns)
    best = None
    for name in ordered(ev):
        end = labels[name]
        gap = _largest_gap(end["measure"])
        text = (gettext("%(attribute)s: %(gap)s") % {"attribute": gap[0], "gap": fmt.estimate(gap[1])}) if gap else "—"
        view.rows.append({"label": name, "cells": _cells(end["measure"], columns, METRIC), "gap": text,
                          "worst": False})
        if gap and (best is None or gap[1]["value"] > best[1]):
            best = (len(view.rows) - 1, gap[1]["value"])
    if best is not None:
        view.rows[best[0]]["worst"] = True
        view.worst = view.rows[best[0]]["label"]
    summary = ev.get("task_metrics")
    if summary:
        block = {"overall": summary["overall"],
                 "attributes": {a: {"groups": b["groups"]} for a, b in summary["attributes"].items()}}
        for metric, label in TASK_METRICS.items():
            view.task_rows.append({"label": gettext(label), "cells": _cells(block, columns, metric)})
    return view


def task_fact(ev: dict[str, Any]) -> tuple[str, str]:
    """The Task line of a multilabel / multiclass evaluation's facts."""
    task = ev.get("task") or {}
    ends = ", ".join(f"{n} = {e.get('positive')}" if task.get("type") == "multilabel" else n
                     for n, e in ((n, ev["labels"][n]) for n in ordered(ev)))
    if task.get("type") == "multiclass":
        return gettext("Task"), gettext("multiclass label %(label)s, classes %(classes)s (each one-vs-rest)") % {
            "label": task.get("label"), "classes": ends}
    return gettext("Task"), gettext("multilabel, each label one-vs-rest: %(labels)s") % {"labels": ends}
