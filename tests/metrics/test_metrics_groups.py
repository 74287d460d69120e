"""encode_groups: value maps, bins, missing values, intersections."""

from __future__ import annotations

import numpy as np
import pytest

from fairgov.metrics import (
    Bin,
    BinnedAttribute,
    CategoricalAttribute,
    Intersection,
    MetricsInputError,
    encode_groups,
)

AGE = BinnedAttribute(
    "age_band",
    [
        Bin("18-39", 18, 40),
        Bin("40-59", 40, 60),
        Bin("60-79", 60, 80),
        Bin("80+", 80, None, closed_low=True),
    ],
)
SEX = CategoricalAttribute("sex", {"F": "female", "M": "male"})


def test_value_map_and_missing_values_become_unknown():
    out = encode_groups({"sex": ["F", "M", None, float("nan"), "", "F"]}, [SEX])
    assert out["sex"].tolist() == ["female", "male", "unknown", "unknown", "unknown", "female"]


def test_unmapped_value_raises_listing_offenders():
    with pytest.raises(MetricsInputError, match=r"'X'.*'Y'|'Y'.*'X'") as exc:
        encode_groups({"sex": ["F", "X", "Y", "X"]}, [SEX])
    assert "sex" in str(exc.value)


def test_values_as_is_and_numeric_keys():
    out = encode_groups({"site": [1, 2, 2]}, [CategoricalAttribute("site")])
    assert out["site"].tolist() == ["1", "2", "2"]
    mapped = encode_groups({"s": [0, 1]}, [CategoricalAttribute("s", {"0": "a", "1": "b"})])
    assert mapped["s"].tolist() == ["a", "b"]


def test_bins_closed_and_open_edges():
    ages = [18, 39.999, 40, 59, 60, 79.5, 80, 120, np.nan, None]
    out = encode_groups({"age_band": ages}, [AGE])["age_band"].tolist()
    assert out == [
        "18-39",
        "18-39",
        "40-59",
        "40-59",
        "60-79",
        "60-79",
        "80+",
        "80+",
        "unknown",
        "unknown",
    ]
    closed_high = BinnedAttribute(
        "x", [Bin("lo", 0, 1, closed_high=True), Bin("hi", 1, 2, closed_low=False)]
    )
    assert encode_groups({"x": [1.0, 1.5]}, [closed_high])["x"].tolist() == ["lo", "hi"]


def test_value_outside_bins_raises():
    with pytest.raises(MetricsInputError, match="outside every declared bin: 5.0"):
        encode_groups({"age_band": [20, 5]}, [AGE])


def test_overlapping_bins_rejected():
    bad = BinnedAttribute("x", [Bin("a", 0, 10, closed_high=True), Bin("b", 10, 20)])
    with pytest.raises(MetricsInputError, match="overlap"):
        encode_groups({"x": [1]}, [bad])
    open_ended = BinnedAttribute("x", [Bin("a", None, 10), Bin("b", None, 3)])
    with pytest.raises(MetricsInputError, match="overlap"):
        encode_groups({"x": [1]}, [open_ended])


def test_intersection_names_labels_and_unknown():
    cols = {"sex": ["F", "M", None], "age_band": [65, np.nan, 30]}
    out = encode_groups(cols, [SEX, AGE], [Intersection(("sex", "age_band"))])
    assert out["sex×age_band"].tolist() == ["female×60-79", "unknown", "unknown"]
    assert Intersection(("sex", "age_band")).name == "sex×age_band"


def test_intersection_errors():
    with pytest.raises(MetricsInputError, match="undeclared"):
        encode_groups({"sex": ["F"]}, [SEX], [Intersection(("sex", "race"))])
    with pytest.raises(MetricsInputError, match=">= 2"):
        encode_groups({"sex": ["F"]}, [SEX], [Intersection(("sex",))])
    with pytest.raises(MetricsInputError, match="no column"):
        encode_groups({}, [SEX])
