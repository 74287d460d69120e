"""Gate outcomes: the status vocabulary and the record a gate produces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# the status vocabulary and its order (used for tables: blocking problems first)
from fairgov.vocabulary import STATUS_ORDER as STATUS_ORDER
from fairgov.vocabulary import Status


@dataclass
class GateResult:
    """One gate applied to one evaluation (or to the documentation)."""

    id: str
    gate: str
    policy: str
    type: str
    title: str
    severity: str
    outcome: str  # what the evidence says: pass / fail / inconclusive
    status: Status = "pass"  # after severity and waivers
    blocking: bool = False
    evaluation: str | None = None
    metric: str | None = None
    across: str | None = None
    statistic: str | None = None
    group: str | None = None
    bound: str | None = None
    op: str | None = None
    threshold: float | None = None
    compared: float | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    waiver: dict[str, Any] | None = None
    source: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def finalize(result: GateResult, inconclusive_blocks: bool, waiver: dict[str, Any] | None) -> GateResult:
    """Apply severity, the fail-closed rule and an active waiver to a raw outcome."""
    outcome = result.outcome
    if outcome == "pass":
        result.status, result.blocking = "pass", False
    elif waiver is not None and waiver.get("active"):
        result.status, result.blocking = "waived", False
    elif result.severity == "warn":
        result.status, result.blocking = "warn", False
    else:
        result.status = "fail" if outcome == "fail" else "inconclusive"
        result.blocking = outcome == "fail" or inconclusive_blocks
    result.waiver = waiver
    return result
