"""Hypothesis properties of measure(): invariances and no NaN in the output."""

from __future__ import annotations

import json
import math
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairgov.metrics import BootstrapConfig, MinEvidence, measure

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KW = {
    "bootstrap": BootstrapConfig(resamples=40, seed=1),
    "permutations": 9,
    "min_evidence": MinEvidence(0, 0, 0),
}


@st.composite
def datasets(draw):
    """Patients nested in groups, 1-3 images each, tied and boundary scores."""
    patients = draw(st.integers(2, 14))
    group_of = draw(
        st.lists(st.sampled_from(["a", "b", "c", None]), min_size=patients, max_size=patients)
    )
    sizes = draw(st.lists(st.integers(1, 3), min_size=patients, max_size=patients))
    p = np.repeat(np.arange(patients), sizes)
    n = p.size
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    grid = st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.55, 0.9, 1.0])
    fine = st.integers(0, 10**6).map(lambda k: k / 10**6)  # strictly monotone maps stay strict
    s = np.array(draw(st.lists(st.one_of(grid, fine), min_size=n, max_size=n)))
    g = np.array(group_of, dtype=object)[p]
    t = draw(st.sampled_from([0.0, 0.3, 0.5, 0.99]))
    return y, s, p, g, t


def close(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, z) for x, z in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@SETTINGS
@given(datasets(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(data, rnd):
    y, s, p, g, t = data
    order = np.arange(y.size)
    rnd.shuffle(order)
    a = measure(y, s, p, {"g": g}, t, **KW).to_dict()
    b = measure(y[order], s[order], p[order], {"g": g[order]}, t, **KW).to_dict()
    assert close(a, b)


def anonymous(reason):
    """Reasons list group names (in natural order): compare them without names."""
    return None if reason is None else re.sub(r"\b(a|b|c|zeta|alpha|unknown)\b", "G", reason)


@SETTINGS
@given(datasets())
def test_relabelling_groups_permutes_results(data):
    y, s, p, g, t = data
    rename = {"a": "zeta", "b": "alpha", "c": "b"}
    g2 = np.array([rename.get(v, v) for v in g], dtype=object)
    a = measure(y, s, p, {"g": g}, t, **KW).to_dict()["attributes"]["g"]
    b = measure(y, s, p, {"g": g2}, t, **KW).to_dict()["attributes"]["g"]
    for old, cell in a["groups"].items():
        assert close(cell, b["groups"][rename.get(old, old)])
    for metric, aggs in a["aggregates"].items():
        for name, val in aggs.items() if "value" not in aggs else [(None, aggs)]:
            other = b["aggregates"][metric] if name is None else b["aggregates"][metric][name]
            # worst / to_overall groups may tie; the tie-break follows label order
            _same_differences(val.get("differences", []), other.get("differences", []), rename)
            _same_differences(val.get("versus_rest", []), other.get("versus_rest", []), rename)
            mapped = {
                **val,
                "debiased": _anon_group(val.get("debiased"), rename),
                "differences": None,
                "versus_rest": None,
                "group": None,
                "included": sorted(rename.get(x, x) for x in val["included"]),
                "reason": anonymous(val["reason"]),
                "reasons": anonymous(json.dumps(val.get("reasons"), sort_keys=True)),
            }
            assert close(
                mapped,
                {
                    **other,
                    "debiased": _anon_group(other.get("debiased"), {}),
                    "differences": None,
                    "versus_rest": None,
                    "group": None,
                    "included": sorted(other["included"]),
                    "reason": anonymous(other["reason"]),
                    "reasons": anonymous(json.dumps(other.get("reasons"), sort_keys=True)),
                },
            )
            if name == "worst" and other["group"] is not None:
                picked = b["groups"][other["group"]]["metrics"][metric]["value"]
                assert close(abs(picked), abs(other["value"]))


def _anon_group(v: dict | None, rename: dict) -> dict | None:
    """A nested aggregate with its (tie-broken) group dropped and included groups renamed."""
    if v is None:
        return None
    return {**v, "group": None, "included": sorted(rename.get(x, x) for x in v.get("included", []))}


def _same_differences(a: list, b: list, rename: dict) -> None:
    """Signed differences follow the renamed groups (a pair may flip: value and bounds negate)."""
    assert len(a) == len(b)
    index = {(d["group"], d["reference"]): d for d in b}
    for d in a:
        g, r = rename.get(d["group"], d["group"]), rename.get(d["reference"], d["reference"])
        if (g, r) in index:
            assert close({**d, "group": g, "reference": r}, index[(g, r)])
        else:
            o = index[(r, g)]
            assert close(d["value"], -o["value"])
            for lo, hi in (("ci_low", "ci_high"), ("sim_low", "sim_high")):
                assert (d[lo] is None) == (o[hi] is None)
                if d[lo] is not None:
                    assert math.isclose(d[lo], -o[hi], rel_tol=1e-9, abs_tol=1e-9)


@SETTINGS
@given(datasets(), st.sampled_from(["square", "sqrt", "affine"]))
def test_monotone_transform_keeps_rank_metrics(data, how):
    y, s, p, g, t = data
    f = {"square": np.square, "sqrt": np.sqrt, "affine": lambda x: 0.2 + 0.5 * x}[how]
    a = measure(y, s, p, {"g": g}, t, metrics=["auroc", "average_precision"], **KW).to_dict()
    b = measure(y, f(s), p, {"g": g}, t, metrics=["auroc", "average_precision"], **KW).to_dict()
    for cells in (
        (a["overall"], b["overall"]),
        *zip(
            a["attributes"]["g"]["groups"].values(),
            b["attributes"]["g"]["groups"].values(),
            strict=True,
        ),
    ):
        assert cells[0]["metrics"] == cells[1]["metrics"]


@SETTINGS
@given(datasets())
def test_output_never_contains_nan(data):
    y, s, p, g, t = data
    d = measure(y, s, p, {"g": g, "h": np.where(y == 1, "x", g)}, t, **KW).to_dict()
    json.dumps(d, allow_nan=False)
