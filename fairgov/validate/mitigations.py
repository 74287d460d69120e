"""Validate-time checks of bias mitigations (issue 14): the variants an Evaluation declares,
the deployment's deployed variant and the Policy's comparison gates (FG480-FG499, FG530-FG539)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fairgov.diagnostics import Diagnostic
from fairgov.spec.mitigation import BASELINE, REFIT, variant_ids
from fairgov.validate.project import CompiledProject, Entry
from fairgov.validate.tasks import _declared_classes, task_names
from fairgov.vocabulary import subgroup_name


def check_evaluation(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    ev = entry.model
    ds = cp.model(ev.dataset)
    attributes = set(getattr(ds, "attributes", None) or {}) if ds is not None else None
    seen: set[str] = set()
    for i, m in enumerate(ev.mitigations):
        if m.id == BASELINE:
            yield entry.diag(
                f"/mitigations/{i}/id",
                "FG481",
                f"variant id {BASELINE!r} is reserved for the plain evaluation",
                "give the mitigation another id",
            )
        elif m.id in seen:
            yield entry.diag(f"/mitigations/{i}/id", "FG481", f"variant id {m.id!r} repeats")
        seen.add(m.id)
        if attributes is not None:
            for j, name in enumerate(m.by):
                if name not in attributes:
                    yield entry.diag(
                        f"/mitigations/{i}/by/{j}",
                        "FG480",
                        f"mitigation {m.id!r} groups by {name!r}, which {ev.dataset} does not "
                        f"declare",
                        f"declared: {', '.join(sorted(attributes))}",
                    )
        if (m.type in REFIT or m.type == "fine_tune") and ev.protocol.type != "linear_probe":
            yield entry.diag(
                f"/mitigations/{i}/type",
                "FG483",
                f"mitigation {m.id!r} ({m.type}) re-fits the linear probe, but the protocol is "
                f"{ev.protocol.type}",
                "only `group_thresholds` applies to predictions and zero_shot protocols (their "
                "scores are given)",
            )
    if ev.compare is not None:
        known = set(variant_ids(ev))
        if ev.compare.baseline not in known:
            yield entry.diag(
                "/compare/baseline",
                "FG482",
                f"compare baseline {ev.compare.baseline!r} is not a variant of {entry.ref}",
                f"variants: {', '.join(variant_ids(ev))}",
            )
        for j, c in enumerate(ev.compare.candidates or []):
            if c not in known:
                yield entry.diag(
                    f"/compare/candidates/{j}",
                    "FG482",
                    f"compare candidate {c!r} is not a variant of {entry.ref}",
                    f"variants: {', '.join(variant_ids(ev))}",
                )


def _mitigation(ev, vid: str):
    return next((m for m in ev.mitigations if m.id == vid), None)


def check_deployment(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    op = entry.model.operating_point
    ev = cp.model(op.evaluation)
    if ev is None or not hasattr(ev, "mitigations"):
        return
    if op.variant != BASELINE and _mitigation(ev, op.variant) is None:
        yield entry.diag(
            "/operating_point/variant",
            "FG484",
            f"deployed variant {op.variant!r} is not a variant of {op.evaluation}",
            f"variants: {', '.join(variant_ids(ev))}",
        )
        return
    m = _mitigation(ev, op.variant)
    if m is not None and m.type == "group_thresholds":
        if op.attribute_at_inference is None or hasattr(
            op.attribute_at_inference.statement, "not_applicable"
        ):
            yield entry.diag(
                "/operating_point",
                "FG485",
                f"the deployed variant {op.variant!r} uses a threshold per {' × '.join(m.by)} "
                f"group, so the model "
                "needs that attribute for every study at inference time; the protocol must say how "
                "it gets it",
                "add `operating_point.attribute_at_inference: {source: ..., statement: ...}`",
            )
        if not op.follows_fitted:
            yield entry.diag(
                "/operating_point/threshold",
                "FG486",
                f"the deployed variant {op.variant!r} deploys its fitted per-group thresholds, not "
                f"one number",
                "write `threshold: fitted`",
            )


def check_policy(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    pol = entry.model
    ids = {g.id for g in pol.gates}
    for i, g in enumerate(pol.comparisons):
        if g.id in ids:
            yield entry.diag(f"/comparisons/{i}/id", "FG530", f"gate id {g.id!r} repeats")
        ids.add(g.id)
        ev_entry = cp.get(g.evaluation)
        if ev_entry is None or ev_entry.doc.kind != "Evaluation":
            if g.evaluation not in cp.invalid_refs:
                yield entry.diag(
                    f"/comparisons/{i}/evaluation",
                    "FG531",
                    f"comparison gate {g.id!r}: evaluation {g.evaluation!r} does not resolve",
                )
            continue
        ev = ev_entry.model
        for field in ("candidate", "baseline"):
            vid = getattr(g, field)
            if vid not in variant_ids(ev):
                yield entry.diag(
                    f"/comparisons/{i}/{field}",
                    "FG532",
                    f"comparison gate {g.id!r}: {vid!r} is not a variant of {g.evaluation}",
                    f"variants: {', '.join(variant_ids(ev))}",
                )
        yield from _comparison_label(cp, entry, i, g, ev)
        if g.across:
            across = "×".join(g.across)
            measured = {subgroup_name(s) for s in ev.subgroups}
            if across not in measured:
                yield entry.diag(
                    f"/comparisons/{i}/across",
                    "FG533",
                    f"comparison gate {g.id!r} spans {across!r}, which {g.evaluation} does not "
                    f"measure",
                    f"measured: {', '.join(sorted(measured))}",
                )
        if g.metric not in ev.metrics:
            yield entry.diag(
                f"/comparisons/{i}/metric",
                "FG533",
                f"comparison gate {g.id!r}: {g.evaluation} does not compute {g.metric!r}",
            )


def _comparison_label(
    cp: CompiledProject, entry: Entry, i: int, g: Any, ev: Any
) -> Iterator[Diagnostic]:
    """FG325: a comparison gate's `label` must name an endpoint of a multilabel / multiclass
    evaluation (their comparisons are per endpoint) and is absent on a binary one."""
    if ev.task.type == "binary":
        if g.label is not None:
            yield entry.diag(
                f"/comparisons/{i}/label",
                "FG325",
                f"comparison gate {g.id!r} names label {g.label!r}, but {g.evaluation} is a "
                "binary task with one comparison",
                "remove `label`",
            )
        return
    names = task_names(ev) or _declared_classes(cp, ev)
    if g.label is None:
        yield entry.diag(
            f"/comparisons/{i}",
            "FG325",
            f"comparison gate {g.id!r}: {g.evaluation} is {ev.task.type} and compares its "
            "variants per endpoint; the gate must name one with `label:`",
            f"labels: {', '.join(names)}" if names else None,
        )
    elif names and g.label not in names:
        yield entry.diag(
            f"/comparisons/{i}/label",
            "FG325",
            f"comparison gate {g.id!r} names label {g.label!r}, which {g.evaluation} does not "
            "evaluate (comparisons are per endpoint; there is no macro comparison)",
            f"labels: {', '.join(names)}",
        )
