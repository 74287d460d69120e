"""The decision rule of statistical gates, every branch."""

from __future__ import annotations

import pytest

from fairgov.gates.compare import decide


@pytest.mark.parametrize(
    ("value", "lo", "hi", "op", "limit", "bound", "outcome", "compared"),
    [
        (0.03, 0.01, 0.04, "<=", 0.05, "conservative", "pass", 0.04),  # upper bound under the limit
        (0.03, 0.01, 0.08, "<=", 0.05, "conservative", "inconclusive", 0.08),  # straddles
        (
            0.07,
            0.04,
            0.09,
            "<=",
            0.05,
            "conservative",
            "inconclusive",
            0.09,
        ),  # point violates, straddles
        (0.07, 0.06, 0.09, "<=", 0.05, "conservative", "fail", 0.09),  # whole interval above
        (0.85, 0.81, 0.88, ">=", 0.80, "conservative", "pass", 0.81),  # min: lower bound compared
        (0.82, 0.78, 0.88, ">=", 0.80, "conservative", "inconclusive", 0.78),
        (0.75, 0.70, 0.79, ">=", 0.80, "conservative", "fail", 0.70),
        (0.07, 0.04, 0.09, "<=", 0.05, "point", "fail", 0.07),
        (0.03, 0.01, 0.09, "<=", 0.05, "point", "pass", 0.03),
        (0.03, 0.01, 0.09, "<=", 0.05, "lower", "pass", 0.01),  # explicit (lenient) bound
        (0.03, None, None, "<=", 0.05, "conservative", "inconclusive", None),  # no interval
        (0.09, None, None, "<=", 0.05, "conservative", "fail", 0.09),
        (None, None, None, "<=", 0.05, "conservative", "inconclusive", None),  # undefined
    ],
)
def test_decide(value, lo, hi, op, limit, bound, outcome, compared) -> None:
    d = decide(value, lo, hi, op, limit, bound)
    assert (d.outcome, d.compared) == (outcome, compared)
    assert d.reason
