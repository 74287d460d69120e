"""Policy composition: an organisation policy extended by a project policy.

A child policy inherits its parent's gates and waivers. A gate with the same id overrides the
parent's only if it is at least as strict; loosening needs a waiver for that gate id in the
child policy (FG313 otherwise, and the parent's stricter gate stays in force).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairgov.diagnostics import Diagnostic
from fairgov.validate.project import CompiledProject, Entry


@dataclass
class SourcedGate:
    gate: Any
    policy: str
    source: dict[str, Any]


@dataclass
class EffectivePolicy:
    ref: str
    title: str
    holm: bool
    alpha: float
    gates: list[SourcedGate] = field(default_factory=list)
    waivers: list[tuple[str, Any]] = field(default_factory=list)  # (policy ref, Waiver)


def applied_policy_refs(cp: CompiledProject) -> list[str]:
    refs: list[str] = list(cp.project.policies) if cp.project else []
    for dp in cp.of_kind("DeploymentProtocol"):
        refs.extend(dp.model.policies)
    return [r for i, r in enumerate(refs) if r not in refs[:i] and cp.get(r) is not None]


def _chain(cp: CompiledProject, ref: str) -> list[Entry]:
    chain, seen = [], set()
    entry = cp.get(ref)
    while entry is not None and entry.ref not in seen:
        seen.add(entry.ref)
        chain.append(entry)
        entry = cp.get(entry.model.extends) if entry.model.extends else None
    return list(reversed(chain))  # root first


def looser(child: Any, parent: Any) -> bool:
    if child.type != parent.type:
        return True
    if parent.severity == "block" and child.severity == "warn":
        return True
    if child.type == "metric":
        if parent.inconclusive_blocks and not child.inconclusive_blocks:
            return True
        if parent.max is not None and (child.max is None or child.max > parent.max):
            return True
        if parent.min is not None and (child.min is None or child.min < parent.min):
            return True
        return (child.metric, child.across, child.statistic) != (
            parent.metric,
            parent.across,
            parent.statistic,
        )
    if child.type == "coverage":
        return child.min < parent.min or child.standard != parent.standard
    return False


def compose(cp: CompiledProject, ref: str) -> tuple[EffectivePolicy, list[Diagnostic]]:
    chain = _chain(cp, ref)
    leaf = chain[-1].model
    eff = EffectivePolicy(ref, leaf.title, leaf.holm, leaf.alpha)
    diags: list[Diagnostic] = []
    by_id: dict[str, SourcedGate] = {}
    for entry in chain:
        waived = {w.gate for w in entry.model.waivers}
        eff.waivers.extend((entry.ref, w) for w in entry.model.waivers)
        for i, gate in enumerate(entry.model.gates):
            line, col = entry.doc.position(f"/gates/{i}")
            sourced = SourcedGate(
                gate, entry.ref, {"file": entry.doc.relpath, "line": line, "col": col}
            )
            parent = by_id.get(gate.id)
            if parent is not None and looser(gate, parent.gate) and gate.id not in waived:
                diags.append(
                    entry.diag(
                        f"/gates/{i}",
                        "FG313",
                        f"gate {gate.id!r} loosens the gate inherited from {parent.policy}",
                        "tighten it, or add a waiver for this gate id",
                    )
                )
                continue
            by_id[gate.id] = sourced
    eff.gates = list(by_id.values())
    return eff, diags
