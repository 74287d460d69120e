"""The monitor's Wilson interval equals scipy's binomtest(...).proportion_ci(method="wilson")."""

from __future__ import annotations

import pytest
from scipy import stats

from fairgov.monitor.checks import wilson


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (0, 7), (7, 7), (3, 7), (1, 1000), (999, 1000), (41_512, 83_333)]
)
def test_wilson_equals_scipy(k: int, n: int, level: float) -> None:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    lo, hi = wilson(k, n, level)
    assert lo == float(ci.low)
    assert hi == float(ci.high)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
