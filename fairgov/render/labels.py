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
from fairgov.results import Aggregate, Cell, Evaluation, Measure
from fairgov.results.model import TaskCell

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


def ordered(ev: Evaluation) -> list[str]:
    """The labels / classes in the task's order (results.json sorts its keys)."""
    names = list(ev.labels)
    declared = [t.get("label") for t in ev.task.get("labels") or []] or list(
        ev.task_metrics.classes if ev.task_metrics else []
    )
    return [n for n in declared if n in names] + [n for n in names if n not in declared]


def endpoint_evaluation(ev: Evaluation, name: str) -> Evaluation:
    """One label's endpoint as a binary evaluation (what the evaluation view reads)."""
    end = ev.labels[name]
    title = gettext("%(title)s — label %(label)s") % {"title": ev.title or ev.id, "label": name}
    return ev.model_copy(
        update={
            "title": title,
            "task": {"label": end.column, "positive": end.positive},
            "threshold": end.threshold,
            "measure": end.measure,
            "labels": {},
            "task_metrics": None,
        }
    )


def _columns(measure: Measure) -> list[tuple[str, str]]:
    cols = [("", gettext("overall"))]
    for attr in sorted(a for a in measure.attributes if "×" not in a):
        cols += [(attr, g) for g, c in measure.attributes[attr].groups.items() if c.n]
    return cols


Block = Cell | TaskCell


def _cells(
    overall: Block,
    groups: dict[tuple[str, str], Block],
    columns: list[tuple[str, str]],
    metric: str,
) -> list[dict[str, Any]]:
    """One formatted cell per column; `groups`: the cell of each (attribute, group)."""
    out = []
    for attr, group in columns:
        cell = overall if not attr else groups.get((attr, group))
        out.append(fmt.cell(cell.metrics.get(metric) if cell is not None else None))
    return out


def _largest_gap(measure: Measure) -> tuple[str, Aggregate] | None:
    gaps = []
    for attr, block in measure.attributes.items():
        agg = block.aggregates.get(METRIC)
        gap = agg.get("gap") if isinstance(agg, dict) else None
        if "×" not in attr and gap is not None and fmt.is_num(gap.value):
            gaps.append((attr, gap))
    return max(gaps, key=lambda ag: float(ag[1].value)) if gaps else None  # type: ignore[arg-type]


def overview(ev: Evaluation) -> LabelOverview | None:
    if ev.status != "ok" or not ev.labels:
        return None
    columns = _columns(next(iter(ev.labels.values())).measure)
    view = LabelOverview(str(ev.task.get("type", "")), columns)
    best: tuple[int, float] | None = None
    for name in ordered(ev):
        m = ev.labels[name].measure
        gap = _largest_gap(m)
        text = (
            (gettext("%(attribute)s: %(gap)s") % {"attribute": gap[0], "gap": fmt.estimate(gap[1])})
            if gap
            else "—"
        )
        groups: dict[tuple[str, str], Block] = {
            (a, g): c for a, b in m.attributes.items() for g, c in b.groups.items()
        }
        view.rows.append(
            {
                "label": name,
                "cells": _cells(m.overall, groups, columns, METRIC),
                "gap": text,
                "worst": False,
            }
        )
        if gap and (best is None or float(gap[1].value) > best[1]):  # type: ignore[arg-type]
            best = (len(view.rows) - 1, float(gap[1].value))  # type: ignore[arg-type]
    if best is not None:
        view.rows[best[0]]["worst"] = True
        view.worst = view.rows[best[0]]["label"]
    summary = ev.task_metrics
    if summary is not None:
        tgroups: dict[tuple[str, str], Block] = {
            (a, g): c for a, b in summary.attributes.items() for g, c in b.groups.items()
        }
        for metric, label in TASK_METRICS.items():
            view.task_rows.append(
                {
                    "label": gettext(label),
                    "cells": _cells(summary.overall, tgroups, columns, metric),
                }
            )
    return view


def task_fact(ev: Evaluation) -> tuple[str, str]:
    """The Task line of a multilabel / multiclass evaluation's facts."""
    kind = ev.task.get("type")
    ends = ", ".join(
        f"{n} = {ev.labels[n].positive}" if kind == "multilabel" else n for n in ordered(ev)
    )
    if kind == "multiclass":
        return gettext("Task"), gettext(
            "multiclass label %(label)s, classes %(classes)s (each one-vs-rest)"
        ) % {"label": ev.task.get("label"), "classes": ends}
    return gettext("Task"), gettext("multilabel, each label one-vs-rest: %(labels)s") % {
        "labels": ends
    }
