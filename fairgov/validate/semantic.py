"""Stage 2b: checks across documents (references, paths, manifest columns, gate targets)."""

from __future__ import annotations

from collections.abc import Iterator

from fairgov.diagnostics import Diagnostic
from fairgov.validate import mitigations
from fairgov.validate.backbone_checks import check_backbone, check_zero_shot
from fairgov.validate.manifest_columns import check_manifest
from fairgov.validate.monitoring import check_monitoring
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.policies import compose
from fairgov.validate.project import CompiledProject, Entry
from fairgov.validate.tasks import check_gate_label, check_task
from fairgov.vocabulary import subgroup_name  # gates.engine imports it from here too


def check_project(cp: CompiledProject) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for entry in cp.entries.values():
        out.extend(_check_refs(cp, entry))
        out.extend(_check_paths(cp, entry))
    for entry in cp.of_kind("Datasheet"):
        out.extend(check_manifest(cp.root, entry))
        out.extend(_check_attributes(entry))
        out.extend(_check_image_spec(entry))
    for entry in cp.of_kind("Evaluation"):
        out.extend(_check_evaluation(cp, entry))
        out.extend(mitigations.check_evaluation(cp, entry))
    for entry in cp.of_kind("ModelCard"):
        out.extend(check_backbone(entry))
    for entry in cp.of_kind("Policy"):
        out.extend(_check_policy(cp, entry))
        out.extend(mitigations.check_policy(cp, entry))
    for entry in cp.of_kind("DeploymentProtocol"):
        out.extend(check_monitoring(cp, entry))
        out.extend(mitigations.check_deployment(cp, entry))
    return out


def references(entry: Entry) -> Iterator[tuple[str, str]]:
    """(pointer, ref) for every reference a document makes."""
    m, kind = entry.model, entry.doc.kind
    if kind == "Evaluation":
        yield "/model", m.model
        yield "/dataset", m.dataset
    elif kind == "ModelCard":
        for i, ev in enumerate(m.evaluations):
            yield f"/evaluations/{i}/ref", ev.ref
    elif kind == "Policy":
        if m.extends:
            yield "/extends", m.extends
        for i, gate in enumerate(m.gates):
            for j, ref in enumerate(getattr(gate, "evaluations", None) or []):
                yield f"/gates/{i}/evaluations/{j}", ref
    elif kind == "DeploymentProtocol":
        yield "/model", m.model
        yield "/operating_point/evaluation", m.operating_point.evaluation
        for i, ref in enumerate(m.policies):
            yield f"/policies/{i}", ref
    elif kind == "Project":
        for i, ref in enumerate(m.policies):
            yield f"/policies/{i}", ref


def _check_refs(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    for pointer, ref in references(entry):
        if cp.get(ref) is None and ref not in cp.invalid_refs:
            known = sorted(r for r in cp.entries if r.split("/")[0] == ref.split("/")[0])
            hint = f"known: {', '.join(known)}" if known else None
            yield entry.diag(pointer, "FG302", f"reference {ref!r} does not resolve", hint)


def file_paths(entry: Entry) -> Iterator[tuple[str, str]]:
    """(pointer, relpath) for every file a document names."""
    m, kind = entry.model, entry.doc.kind
    if kind == "Datasheet":
        yield "/manifest/path", m.manifest.path
    elif kind == "ModelCard":
        bb = m.model.foundation_model.backbone
        if bb is not None and bb.weights:
            yield "/model/foundation_model/backbone/weights", bb.weights
        if bb is not None and bb.config:
            yield "/model/foundation_model/backbone/config", bb.config
    elif kind == "Evaluation" and m.protocol.type == "predictions":
        yield "/protocol/path", m.protocol.path


def _check_paths(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    for pointer, rel in file_paths(entry):
        try:
            path = resolve_inside(cp.root, rel)
        except PathEscape as err:
            yield entry.diag(pointer, "FG304", str(err))
            continue
        if not path.is_file():
            yield entry.diag(pointer, "FG305", f"file {rel!r} does not exist")
    if entry.doc.kind == "Project":
        for key in ("output", "cache"):
            try:
                resolve_inside(cp.root, getattr(entry.model, key))
            except PathEscape as err:
                yield entry.diag(f"/{key}", "FG304", str(err))


def _check_attributes(entry: Entry) -> Iterator[Diagnostic]:
    ds = entry.model
    for name, attr in ds.attributes.items():
        if attr.bins:
            yield from _check_bins(entry, name, attr.bins)
        if attr.values is not None and not attr.values:
            yield entry.diag(
                f"/attributes/{name}/values", "FG315", f"attribute {name!r}: value map is empty"
            )
        for key in (k for k in attr.values or {} if k != "" and not k.strip()):
            yield entry.diag(
                f"/attributes/{name}/values/{key}",
                "FG315",
                f"attribute {name!r}: value-map key {key!r} is only whitespace; blank cells never "
                f"match it",
                hint='use the key "" to declare what a blank cell means',
            )
    for i, combo in enumerate(ds.intersections):
        if len(combo) < 2:
            yield entry.diag(
                f"/intersections/{i}", "FG309", "an intersection needs two or more attributes"
            )
        for j, name in enumerate(combo):
            if name not in ds.attributes:
                yield entry.diag(
                    f"/intersections/{i}/{j}",
                    "FG309",
                    f"intersection names unknown attribute {name!r}",
                )


def _check_bins(entry: Entry, name: str, bins: list) -> Iterator[Diagnostic]:
    lows = [(-float("inf") if b.low is None else b.low, i) for i, b in enumerate(bins)]
    order = [i for _, i in sorted(lows)]
    if order != list(range(len(bins))):
        yield entry.diag(
            f"/attributes/{name}/bins",
            "FG310",
            f"attribute {name!r}: bins must be in increasing order",
        )
        return
    for i in range(1, len(bins)):
        prev, cur = bins[i - 1], bins[i]
        prev_high = float("inf") if prev.high is None else prev.high
        cur_low = -float("inf") if cur.low is None else cur.low
        touching = (
            prev_high == cur_low
            and prev.closed in ("right", "both")
            and cur.closed in ("left", "both")
        )
        if cur_low < prev_high or touching:
            yield entry.diag(
                f"/attributes/{name}/bins/{i}",
                "FG310",
                f"attribute {name!r}: bin {cur.label!r} overlaps {prev.label!r}",
            )
    labels = [b.label for b in bins]
    if len(set(labels)) != len(labels):
        yield entry.diag(
            f"/attributes/{name}/bins", "FG310", f"attribute {name!r}: bin labels repeat"
        )


def _check_evaluation(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    ev = entry.model
    ds = cp.model(ev.dataset)
    if ds is None or cp.get(ev.dataset).doc.kind != "Datasheet":  # type: ignore[union-attr]
        return
    if ev.task.type != "binary":
        yield from check_task(cp, entry, ds)
        label = ds.manifest.labels.get(ev.task.label or "")
        classes = list(ev.task.classes or label.classes) if label is not None else None
        if ev.task.type == "multiclass":
            yield from check_zero_shot(cp, entry, classes)
        yield from _check_protocol_columns(entry, ds)
        yield from _check_subgroups(entry, ds)
        return
    label = ds.manifest.labels.get(ev.task.label)
    if label is None:
        yield entry.diag(
            "/task/label",
            "FG309",
            f"label {ev.task.label!r} is not declared in {ev.dataset}",
            f"declared: {', '.join(ds.manifest.labels)}",
        )
    elif ev.task.positive not in label.classes:
        yield entry.diag(
            "/task/positive",
            "FG316",
            f"positive class {ev.task.positive!r} is not one of {label.classes}",
        )
    yield from _check_protocol_columns(entry, ds)
    yield from check_zero_shot(cp, entry, list(label.classes) if label is not None else None)
    yield from _check_subgroups(entry, ds)


def _check_subgroups(entry: Entry, ds) -> Iterator[Diagnostic]:
    ev = entry.model
    for i, item in enumerate(ev.subgroups):
        names = [item] if isinstance(item, str) else item
        if not isinstance(item, str) and len(item) < 2:
            yield entry.diag(
                f"/subgroups/{i}", "FG309", "an intersection needs two or more attributes"
            )
        for j, name in enumerate(names):
            if name not in ds.attributes:
                ptr = f"/subgroups/{i}" if isinstance(item, str) else f"/subgroups/{i}/{j}"
                yield entry.diag(
                    ptr,
                    "FG309",
                    f"subgroup attribute {name!r} is not declared in {ev.dataset}",
                    f"declared: {', '.join(ds.attributes)}",
                )


def _check_image_spec(entry: Entry) -> Iterator[Diagnostic]:
    """A DICOM window or frame policy needs images to apply to."""
    m = entry.model.manifest
    spec = m.image_spec
    if spec.declared and not m.image_column:
        yield entry.diag(
            "/manifest/image_spec",
            "FG330",
            "manifest.image_spec is declared but the manifest has no image_column: nothing is "
            "decoded",
            "remove `image_spec`, or set `manifest.image_column`",
            severity="warning",
        )


def _check_protocol_columns(entry: Entry, ds) -> Iterator[Diagnostic]:
    """The linear probe reads images; a predictions file is matched by the manifest's row id."""
    ev, m = entry.model, ds.manifest
    if ev.protocol.type == "linear_probe" and not m.image_column:
        yield entry.diag(
            "/protocol/type",
            "FG318",
            f"the linear probe embeds images, but {ev.dataset} has no image_column",
            "set `manifest.image_column` in the datasheet, or use `protocol: {type: predictions, "
            "...}`",
        )
    if ev.protocol.type == "predictions" and not m.id_column and not m.image_column:
        yield entry.diag(
            "/protocol/id_column",
            "FG319",
            f"predictions are matched to manifest rows by id, but {ev.dataset} names neither "
            f"id_column nor image_column",
            "set `manifest.id_column` in the datasheet to the column that the predictions' "
            "id_column matches",
        )


def evaluations_for_gate(cp: CompiledProject, gate) -> list[Entry]:
    refs = gate.evaluations or [e.ref for e in cp.of_kind("Evaluation")]
    return [e for r in refs if (e := cp.get(r)) is not None and e.doc.kind == "Evaluation"]


def _check_policy(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    pol = entry.model
    seen: set[str] = set()
    for i, gate in enumerate(pol.gates):
        if gate.id in seen:
            yield entry.diag(f"/gates/{i}/id", "FG314", f"gate id {gate.id!r} repeats")
        seen.add(gate.id)
        if gate.type != "metric":
            continue
        across = "×".join(gate.across)
        yield from check_gate_label(cp, entry, i, gate, evaluations_for_gate(cp, gate))
        for ev in evaluations_for_gate(cp, gate):
            measured = {subgroup_name(s) for s in ev.model.subgroups}
            if across not in measured:
                yield entry.diag(
                    f"/gates/{i}/across",
                    "FG309",
                    f"gate {gate.id!r} spans {across!r}, which {ev.ref} does not measure",
                    f"measured: {', '.join(sorted(measured))}",
                )
    gate_ids = (
        {g.id for g in pol.gates} | {g.id for g in pol.comparisons} | _inherited_gate_ids(cp, pol)
    )
    for i, waiver in enumerate(pol.waivers):
        if waiver.gate not in gate_ids:
            yield entry.diag(
                f"/waivers/{i}/gate", "FG505", f"waiver names unknown gate {waiver.gate!r}"
            )
    if _has_cycle(cp, entry.ref):
        yield entry.diag("/extends", "FG312", "policies extend each other in a cycle")
    elif pol.extends:
        yield from (d for d in compose(cp, entry.ref)[1] if d.file == entry.doc.relpath)


def _inherited_gate_ids(cp: CompiledProject, pol) -> set[str]:
    ids: set[str] = set()
    seen: set[str] = set()
    while pol is not None and pol.extends and pol.extends not in seen:
        seen.add(pol.extends)
        pol = cp.model(pol.extends)
        if pol is not None and hasattr(pol, "gates"):
            ids |= {g.id for g in pol.gates}
    return ids


def _has_cycle(cp: CompiledProject, start: str) -> bool:
    seen, ref = {start}, start
    while True:
        model = cp.model(ref)
        nxt = getattr(model, "extends", None)
        if not nxt:
            return False
        if nxt in seen:
            return nxt == start
        seen.add(nxt)
        ref = nxt
