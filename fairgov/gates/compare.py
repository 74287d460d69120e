"""The decision rule of a statistical gate (see docs in shared/reference/fairness-evaluation.md).

pass  - the conservative interval bound meets the limit (and the statistic is defined);
fail  - the whole interval violates the limit (the opposite bound does too);
inconclusive - everything else: undefined statistic, no interval, interval straddling.

Failing on the point estimate alone (the rule before results schema 1.1) made a truly fair
model fail gap gates far more often than 1 - level, because max-min gaps and worst-group
values are biased away from fairness; with intervals that hold at their level (simultaneous
max-t for gaps) the interval rule fails a fair model at most 1 - level of the time.
A Policy gate's ``decisive`` field is kept for compatibility; it names this rule. Without an interval
(bootstrap disabled) the point estimate decides a failure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    outcome: str
    compared: float | None
    reason: str


def _ok(x: float, op: str, limit: float) -> bool:
    return x <= limit if op == "<=" else x >= limit


def decide(
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    op: str,
    limit: float,
    bound: str,
) -> Decision:
    if value is None:
        return Decision("inconclusive", None, "statistic undefined")
    if bound == "point":
        return Decision("pass" if _ok(value, op, limit) else "fail", value, "point estimate compared")
    conservative, opposite = (ci_high, ci_low) if op == "<=" else (ci_low, ci_high)
    if bound == "upper":
        conservative, opposite = ci_high, ci_low
    elif bound == "lower":
        conservative, opposite = ci_low, ci_high
    if conservative is None:
        if not _ok(value, op, limit):
            return Decision("fail", value, "no interval; point estimate violates the limit")
        return Decision("inconclusive", None, "no confidence interval (bootstrap disabled)")
    if _ok(conservative, op, limit):
        return Decision("pass", conservative, "interval bound meets the limit")
    if opposite is not None and not _ok(opposite, op, limit):
        return Decision("fail", conservative, "whole interval violates the limit")
    if not _ok(value, op, limit):
        return Decision("inconclusive", conservative,
                        "point estimate violates the limit; interval straddles the limit: more evidence needed")
    return Decision("inconclusive", conservative, "interval straddles the limit: more evidence needed")
