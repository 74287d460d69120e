"""Gate outcomes: the status vocabulary and the record a gate produces."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from fairgov.gates.compare import Limit
from fairgov.reasons import Reason, join

# the status vocabulary and its order (used for tables: blocking problems first)
from fairgov.vocabulary import STATUS_ORDER as STATUS_ORDER
from fairgov.vocabulary import Status


@dataclass(frozen=True)
class GateResult:
    """One gate applied to one evaluation (or to the documentation). Frozen: every stage that
    refines a result (metric lookup, Holm, severity and waivers) returns a new one (`with_`).

    `limit` alone decides which values violate the gate (results.json writes it as `op` and
    `threshold`); `reasons` say why, as codes (results.json also writes their English text as
    `reason`); `title` and `rationale` are the policy's or, without one, the engine's."""

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
    label: str | None = None  # a multilabel / multiclass evaluation's label, class or `macro`
    across: str | None = None
    statistic: str | None = None
    group: str | None = None
    bound: str | None = None
    limit: Limit | None = None
    compared: float | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    reasons: tuple[Reason, ...] = ()
    rationale: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    waiver: dict[str, Any] | None = None
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The English text of `reasons`."""
        return join(self.reasons)

    @property
    def op(self) -> str | None:
        return self.limit.op if self.limit is not None else None

    @property
    def threshold(self) -> float | None:
        return self.limit.value if self.limit is not None else None

    def with_(self, **changes: Any) -> GateResult:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "label" and value is None:  # binary evaluations: as before schema 1.3
                continue
            if f.name == "limit":
                out["op"], out["threshold"] = self.op, self.threshold
            elif f.name == "reasons":
                out["reason"] = self.reason
                out["reasons"] = [r.to_dict() for r in value]
            elif isinstance(value, dict):
                out[f.name] = _plain(value)
            else:
                out[f.name] = value
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Tally:
    """The verdict of a set of gates: counts per status and how many block."""

    status: Literal["passed", "blocked"]
    blocking: int
    counts: dict[str, int]


def tally(gates: list[tuple[str, bool]], strict: bool = False) -> Tally:
    """(status, blocking) of each gate -> the verdict; with `strict` warnings block too. The one
    place a verdict is computed (results.json's and each report's, over the report's gates)."""
    counts = {s: 0 for s in ("pass", "fail", "inconclusive", "warn", "waived")}
    for status, _ in gates:
        counts[status] += 1
    blocking = sum(1 for status, b in gates if b or (strict and status == "warn"))
    return Tally("blocked" if blocking else "passed", blocking, counts)


def finalize(
    result: GateResult, inconclusive_blocks: bool, waiver: dict[str, Any] | None
) -> GateResult:
    """Apply severity, the fail-closed rule and an active waiver to a raw outcome."""
    outcome = result.outcome
    status: Status
    if outcome == "pass":
        status, blocking = "pass", False
    elif waiver is not None and waiver.get("active"):
        status, blocking = "waived", False
    elif result.severity == "warn":
        status, blocking = "warn", False
    else:
        status = "fail" if outcome == "fail" else "inconclusive"
        blocking = outcome == "fail" or inconclusive_blocks
    return result.with_(status=status, blocking=blocking, waiver=waiver)
