"""Validate-time checks of a deployment's monitoring plan: trigger ids, attributes, paths."""

from __future__ import annotations

from collections.abc import Iterator

from fairgov.diagnostics import Diagnostic
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.project import CompiledProject, Entry


def _datasheet(cp: CompiledProject, entry: Entry) -> object | None:
    evaluation = cp.model(entry.model.operating_point.evaluation)
    return cp.model(evaluation.dataset) if evaluation is not None else None


def check_monitoring(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    mon = entry.model.monitoring
    yield from _paths(cp, entry)
    seen: dict[str, int] = {}
    ds = _datasheet(cp, entry)
    declared = set(getattr(ds, "attributes", {}) or {})
    intended = entry.model.intended_population.distribution
    for i, trigger in enumerate(mon.triggers):
        if trigger.check is None:
            continue
        where = f"/monitoring/triggers/{i}"
        if trigger.id in seen:
            yield entry.diag(
                f"{where}/id",
                "FG717",
                f"trigger id {trigger.id!r} is also used by trigger {seen[trigger.id]}",
            )
        seen.setdefault(str(trigger.id), i)
        across = trigger.check.across
        names = [] if across is None else ([across] if isinstance(across, str) else list(across))
        for name in names:
            if ds is not None and name not in declared:
                yield entry.diag(
                    f"{where}/check/across",
                    "FG716",
                    f"attribute {name!r} is not declared by the datasheet",
                    f"declared: {', '.join(sorted(declared))}",
                )
        if trigger.check.type == "composition" and trigger.check.across not in intended:
            yield entry.diag(
                f"{where}/check/across",
                "FG716",
                f"attribute {trigger.check.across!r} is not in intended_population.distribution",
            )
    for name in mon.columns.attributes:
        if ds is not None and name not in declared:
            yield entry.diag(
                "/monitoring/columns/attributes",
                "FG716",
                f"attribute {name!r} is not declared by the datasheet",
            )


def _paths(cp: CompiledProject, entry: Entry) -> Iterator[Diagnostic]:
    mon = entry.model.monitoring
    items = [("/monitoring/history", mon.history)]
    if mon.source is not None and mon.source.path:
        items.append(("/monitoring/source/path", mon.source.path))
    for i, t in enumerate(mon.triggers):
        if t.check is not None and t.check.type == "score_shift":
            items.append((f"/monitoring/triggers/{i}/check/reference", t.check.reference))
    for pointer, rel in items:
        if rel is None:
            continue
        try:
            resolve_inside(cp.root, rel.split("*")[0] or ".")
        except PathEscape as err:
            yield entry.diag(pointer, "FG718", str(err))
