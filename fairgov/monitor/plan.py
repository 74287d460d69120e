"""Resolve a DeploymentProtocol into what the monitor needs: triggers, datasheet, threshold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairgov import metrics as fm
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.validate.project import CompiledProject, Entry


@dataclass(frozen=True)
class Plan:
    entry: Entry
    monitoring: Any
    datasheet: Any
    evaluation: Any
    threshold: float
    triggers: list[tuple[int, Any]]  # (index in monitoring.triggers, Trigger with check)
    root: Path
    cache: Path

    @property
    def id(self) -> str:
        return str(self.entry.model.id)

    @property
    def positive(self) -> str:
        return str(self.evaluation.task.positive)

    @property
    def classes(self) -> list[str]:
        return list(self.datasheet.manifest.labels[self.evaluation.task.label].classes)

    def column(self, attribute: str) -> str:
        mapped = self.monitoring.columns.attributes.get(attribute)
        return mapped or self.datasheet.attributes[attribute].column or attribute

    def attribute_specs(self) -> list[Any]:
        out: list[Any] = []
        for name, attr in self.datasheet.attributes.items():
            if attr.kind == "numeric":
                out.append(
                    fm.BinnedAttribute(
                        name,
                        [fm.Bin(b.label, b.low, b.high, *_closed(b.closed)) for b in attr.bins],
                    )
                )
            else:
                out.append(
                    fm.CategoricalAttribute(name, dict(attr.values) if attr.values else None)
                )
        return out

    def monitored_attributes(self) -> list[str]:
        """Attributes the log must carry: every attribute a check names, plus the fairness
        stream's."""
        names = [a for _, t in self.triggers for a in _check_attributes(t.check)]
        names += [a for a in self.monitoring.fairness.subgroups if a in self.datasheet.attributes]
        return sorted(set(names))


def _closed(closed: str) -> tuple[bool, bool]:
    return closed in ("left", "both"), closed in ("right", "both")


def _check_attributes(check: Any) -> list[str]:
    across = getattr(check, "across", None)
    if across is None:
        return []
    return list(across) if isinstance(across, list) else [across]


def resolve_plan(cp: CompiledProject, deployment: str | None) -> Plan:
    entries = sorted(cp.of_kind("DeploymentProtocol"), key=lambda e: e.ref)
    if deployment:
        entries = [e for e in entries if e.model.id == deployment or e.ref == deployment]
    runnable = [e for e in entries if e.model.monitoring.source is not None]
    if not runnable:
        if deployment and not entries:
            code, msg = "FG714", f"deployment {deployment!r} does not exist"
        elif deployment:
            code, msg = (
                "FG700",
                f"deployment {deployment!r} has no machine-readable monitoring plan "
                "(`monitoring.source`)",
            )
        else:
            code, msg = (
                "FG700",
                "no DeploymentProtocol has a machine-readable monitoring plan "
                "(`monitoring.source`)",
            )
        raise FairgovError(
            Diagnostic(entries[0].doc.relpath if entries else "fairgov.yaml", 1, 1, code, msg)
        )
    if len(runnable) > 1:
        ids = ", ".join(e.model.id for e in runnable)
        raise FairgovError(
            Diagnostic(
                "<command line>",
                1,
                1,
                "FG715",
                f"several deployments have a monitoring plan ({ids}); choose one with --deployment",
            )
        )
    entry = runnable[0]
    dp = entry.model
    evaluation = cp.model(dp.operating_point.evaluation)
    if evaluation.task.type != "binary":  # one score and one label per logged case
        raise FairgovError(
            entry.diag(
                "/operating_point/evaluation",
                "FG323",
                f"monitoring is binary only; {dp.operating_point.evaluation} is a "
                f"{evaluation.task.type} task",
            )
        )
    datasheet = cp.model(evaluation.dataset)
    triggers = [(i, t) for i, t in enumerate(dp.monitoring.triggers) if t.check is not None]
    cache = cp.cache_dir
    return Plan(
        entry,
        dp.monitoring,
        datasheet,
        evaluation,
        production_threshold(cp, entry),
        triggers,
        cp.root,
        cache,
    )


def production_threshold(cp: CompiledProject, entry: Entry) -> float:
    """The deployed threshold: the number the protocol writes, or with `threshold: fitted` the
    evaluation's fitted threshold as the last `fairgov build` recorded it in results.json."""
    op = entry.model.operating_point
    if not op.follows_fitted:
        return float(op.threshold)
    results = cp.output_dir / "results.json"
    try:
        record = json.loads(results.read_text(encoding="utf-8"))["evaluations"][op.evaluation]
        if op.variant != "baseline":  # a deployed mitigation variant: its own fitted threshold
            record = record["variants"][op.variant]
        if record["threshold"].get("policy") == "group_thresholds":
            raise FairgovError(
                entry.diag(
                    "/operating_point/variant",
                    "FG724",
                    f"variant {op.variant!r} decides with per-group thresholds; monitoring "
                    "recomputes "
                    "decisions from one operating threshold, so it cannot judge this variant yet",
                    hint="monitor the baseline (`variant: baseline`) "
                    "or deploy a single-threshold variant",
                )
            )
        value = record["threshold"]["value"]
        return float(value)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise FairgovError(
            entry.diag(
                "/operating_point/threshold",
                "FG723",
                f"`threshold: fitted` needs the evaluation's fitted threshold from {results.name} "
                f"of a build, which could not be read ({type(err).__name__})",
                hint="run `fairgov build` first, or write the deployed number",
            )
        ) from None
