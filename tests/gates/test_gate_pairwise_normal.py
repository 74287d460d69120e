"""The Holm gap gate's normal quantile and tail (scipy.special) equal scipy.stats.norm's."""

from __future__ import annotations

import pytest
from scipy.stats import norm

from fairgov.gates.pairwise import _p_exceeds


@pytest.mark.parametrize(
    ("distance", "limit", "se"),
    [(0.1, 0.05, 0.02), (0.01, 0.05, 0.02), (0.05, 0.05, 0.01), (0.3, 0.01, 1e-4), (0.0, 0.2, 0.3)],
)
def test_p_exceeds_equals_norm_sf(distance: float, limit: float, se: float) -> None:
    assert _p_exceeds(distance, limit, se) == float(norm.sf((distance - limit) / se))


def test_p_exceeds_without_spread_is_a_step() -> None:
    assert _p_exceeds(0.2, 0.1, 0.0) == 0.0
    assert _p_exceeds(0.05, 0.1, 0.0) == 1.0
