"""Checks of multilabel and multiclass tasks (FG320-FG324) and of gates that name a label."""

from __future__ import annotations

from collections.abc import Iterator

from fairgov.diagnostics import Diagnostic
from fairgov.spec.mitigation import REFIT, STAGE
from fairgov.validate.project import CompiledProject, Entry

__all__ = ["check_gate_label", "check_task", "task_names"]

MACRO = "macro"
#: the gate metrics `label: macro` accepts (fairgov.gates.task_gates.MACRO_METRICS)
MACRO_METRICS = ("auroc", "balanced_accuracy")
MACRO_STATISTICS = ("gap", "group", "worst")


def task_names(ev) -> list[str]:
    """The endpoints of a multilabel / multiclass task as declared (classes may default later)."""
    if ev.task.type == "multilabel":
        return [t.label for t in ev.task.labels]
    return list(ev.task.classes or [])


def check_task(cp: CompiledProject, entry: Entry, ds) -> Iterator[Diagnostic]:
    """A multilabel / multiclass task against its datasheet; what such a task does not support."""
    ev = entry.model
    labels = ds.manifest.labels
    if ev.task.type == "multilabel":
        for i, t in enumerate(ev.task.labels):
            label = labels.get(t.label)
            if label is None:
                yield entry.diag(
                    f"/task/labels/{i}/label",
                    "FG320",
                    f"label {t.label!r} is not declared in {ev.dataset}",
                    f"declared: {', '.join(labels)}",
                )
            elif t.positive not in label.classes:
                yield entry.diag(
                    f"/task/labels/{i}/positive",
                    "FG320",
                    f"positive value {t.positive!r} is not a class of label {t.label!r}: "
                    f"{label.classes}",
                )
            elif len(label.classes) != 2:
                yield entry.diag(
                    f"/task/labels/{i}/label",
                    "FG320",
                    f"label {t.label!r} holds {len(label.classes)} values {label.classes}; "
                    "a multilabel "
                    "label is positive or negative (two values)",
                    "declare it with two classes, or evaluate it as `type: multiclass`",
                )
    else:
        label = labels.get(ev.task.label)
        if label is None:
            yield entry.diag(
                "/task/label",
                "FG309",
                f"label {ev.task.label!r} is not declared in {ev.dataset}",
                f"declared: {', '.join(labels)}",
            )
        else:
            for i, c in enumerate(ev.task.classes or []):
                if c not in label.classes:
                    yield entry.diag(
                        f"/task/classes/{i}",
                        "FG321",
                        f"class {c!r} is not a declared value of label {ev.task.label!r}",
                        f"classes: {', '.join(label.classes)}",
                    )
    declared = labels.get(ev.task.label) if ev.task.type == "multiclass" else None
    yield from _unsupported(entry, task_names(ev) or (list(declared.classes) if declared else []))
    yield from _score_columns(entry)


#: why a mitigation type needs a binary task: the single-output object it changes
NEEDS_BINARY = {
    "fine_tune": "fine-tunes the backbone against one binary label (its training loss is that "
    "label's)",
}


#: mitigation types run once per endpoint of a multilabel / multiclass task: group_thresholds
#: on each endpoint's score; reweight / resample / group_dro re-fit each label's binary probe
#: (multilabel) or the softmax probe (multiclass) on the same embeddings
PER_ENDPOINT = ("group_thresholds", *REFIT)


def _unsupported(entry: Entry, names: list[str]) -> Iterator[Diagnostic]:
    """FG323, one diagnostic per mitigation (its type and pipeline stage), at its `type`."""
    ev = entry.model
    if ev.task.type == "multilabel":
        t = ev.task.labels[0]
        split = f'task: {{label: {t.label}, positive: "{t.positive}"}}'
    else:
        first = names[0] if names else "<class>"
        split = f'task: {{label: {ev.task.label}, positive: "{first}"}} (one-vs-rest)'
    ends = f"{len(names)} endpoints ({', '.join(names)})" if names else "its endpoints"
    for i, m in enumerate(ev.mitigations or []):
        if m.type in PER_ENDPOINT:
            continue
        yield entry.diag(
            f"/mitigations/{i}/type",
            "FG323",
            f"mitigation {m.id!r} ({m.type}, {STAGE.get(m.type, '?')} stage) is binary only: it "
            f"{NEEDS_BINARY.get(m.type, 'changes a one-output binary model')}; this task is "
            f"{ev.task.type}: {ends} measured one-vs-rest; group_thresholds, reweight, resample "
            "and group_dro variants are run per endpoint, fine_tune is not",
            "remove it (and `compare`), or evaluate the label as its own binary Evaluation "
            f"with the mitigation, e.g. {split}",
        )
    if ev.protocol.type == "zero_shot" and ev.task.type == "multilabel":
        yield entry.diag(
            "/protocol/type",
            "FG323",
            "zero_shot scores mutually exclusive classes: it takes a binary or multiclass task",
            "use `linear_probe` for a multilabel task",
        )


def _score_columns(entry: Entry) -> Iterator[Diagnostic]:
    ev = entry.model
    if ev.protocol.type != "predictions" or not ev.protocol.score_columns:
        return
    names = set(task_names(ev))
    for key in ev.protocol.score_columns:
        if names and key not in names:
            yield entry.diag(
                f"/protocol/score_columns/{key}",
                "FG324",
                f"score column for {key!r}, which is not a label or class of the task",
                f"task: {', '.join(sorted(names))}",
            )


def check_gate_label(
    cp: CompiledProject, entry: Entry, i: int, gate, evaluations: list[Entry]
) -> Iterator[Diagnostic]:
    """FG322: a gate's `label` names no label / class of an evaluation it applies to."""
    name = getattr(gate, "label", None)
    if name is None:
        return
    for ev_entry in evaluations:
        ev = ev_entry.model
        if ev.task.type == "binary":
            yield entry.diag(
                f"/gates/{i}/label",
                "FG322",
                f"gate {gate.id!r} names label {name!r}, but {ev_entry.ref} is a binary task",
                "remove `label`, or restrict the gate with `evaluations:`",
            )
            continue
        if name == MACRO:
            if ev.task.type != "multiclass":
                yield entry.diag(
                    f"/gates/{i}/label",
                    "FG322",
                    f"gate {gate.id!r}: `label: macro` needs a multiclass task; "
                    f"{ev_entry.ref} is multilabel",
                )
            elif gate.metric not in MACRO_METRICS or gate.statistic not in MACRO_STATISTICS:
                yield entry.diag(
                    f"/gates/{i}/metric",
                    "FG322",
                    f"gate {gate.id!r}: `label: macro` gates the macro AUROC (`metric: auroc`) "
                    "or the balanced accuracy (`metric: balanced_accuracy`) "
                    "with statistic gap, group or worst",
                )
            continue
        names = task_names(ev) or _declared_classes(cp, ev)
        if names and name not in names:
            yield entry.diag(
                f"/gates/{i}/label",
                "FG322",
                f"gate {gate.id!r} names label {name!r}, which {ev_entry.ref} does not evaluate",
                f"labels: {', '.join(names)}" + (", macro" if ev.task.type == "multiclass" else ""),
            )


def _declared_classes(cp: CompiledProject, ev) -> list[str]:
    ds = cp.model(ev.dataset)
    label = (
        ds.manifest.labels.get(ev.task.label)
        if ds is not None and hasattr(ds, "manifest")
        else None
    )
    return list(label.classes) if label is not None else []
