"""The decision rule of a statistical gate (see docs in shared/reference/fairness-evaluation.md).

pass  - the conservative interval bound meets the limit (and the statistic is defined);
fail  - the whole interval violates the limit (the opposite bound does too);
inconclusive - everything else: undefined statistic, no interval, interval straddling.

Failing on the point estimate alone (the rule before results schema 1.1) made a truly fair
model fail gap gates far more often than 1 - level, because max-min gaps and worst-group
values are biased away from fairness; with intervals that hold at their level (simultaneous
max-t for gaps) the interval rule fails a fair model at most 1 - level of the time.
A Policy gate's ``decisive`` field is kept for compatibility; it names this rule. Without an
interval
(bootstrap disabled) the point estimate decides a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fairgov.reasons import Reason, join

Op = Literal["<=", ">=", "=="]


@dataclass(frozen=True)
class Limit:
    """A gate's limit: the only place that says which values violate it.

    ``<=`` caps a statistic from above (values above ``value`` violate it), ``>=`` from below,
    ``==`` (deployed threshold = evaluated) is decided by its own tolerance rule and only
    printed here."""

    op: Op
    value: float

    def ok(self, x: float) -> bool:
        """Whether `x` meets the limit."""
        if self.op == "==":
            return x == self.value
        return x <= self.value if self.op == "<=" else x >= self.value

    @property
    def caps_above(self) -> bool:
        """Values above the limit violate it (an upper limit)."""
        return self.op == "<="

    def bound_side(self, bound: str) -> str:
        """Which side of an interval `bound` names for this limit: 'upper', 'lower' or 'point'
        ('conservative' is the side that must meet the limit for a pass)."""
        if bound == "conservative":
            return "upper" if self.caps_above else "lower"
        return bound

    def failing_span(self, lo: float, hi: float) -> tuple[float, float]:
        """The part of the axis [lo, hi] whose values violate the limit."""
        return (self.value, hi) if self.caps_above else (lo, self.value)

    @classmethod
    def of(cls, op: str | None, value: float | int | None) -> Limit | None:
        """The limit a gate record names, or None when it names none (or an unknown op)."""
        if op not in ("<=", ">=", "==") or value is None or isinstance(value, bool):
            return None
        return cls(op, float(value))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Decision:
    outcome: str
    compared: float | None
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> str:
        """The English text of the reasons."""
        return join(self.reasons)


def _d(outcome: str, compared: float | None, *codes: str) -> Decision:
    return Decision(outcome, compared, tuple(Reason(c) for c in codes))


def decide(
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    op: str,
    limit: float,
    bound: str,
) -> Decision:
    """`decide_limit` for a limit given as (op, value)."""
    return decide_limit(value, ci_low, ci_high, Limit(op, limit), bound)  # type: ignore[arg-type]


def decide_limit(
    value: float | None, ci_low: float | None, ci_high: float | None, limit: Limit, bound: str
) -> Decision:
    if value is None:
        return _d("inconclusive", None, "statistic-undefined")
    side = limit.bound_side(bound)
    if side == "point":
        return _d("pass" if limit.ok(value) else "fail", value, "point-compared")
    conservative, opposite = (ci_high, ci_low) if side == "upper" else (ci_low, ci_high)
    if conservative is None:
        if not limit.ok(value):
            return _d("fail", value, "no-interval", "point-violates")
        return _d("inconclusive", None, "no-bootstrap")
    if limit.ok(conservative):
        return _d("pass", conservative, "bound-meets")
    if opposite is not None and not limit.ok(opposite):
        return _d("fail", conservative, "interval-violates")
    if not limit.ok(value):
        return _d("inconclusive", conservative, "point-violates", "straddles")
    return _d("inconclusive", conservative, "straddles")
