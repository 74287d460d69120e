"""Differences against the rest are measured only where a gate names `reference: rest`, and the
measurement's cache key changes with that set (a cached measurement without them is not reused)."""

from __future__ import annotations

from pathlib import Path

from fairgov.evaluate.hashindex import HashIndex
from fairgov.pipeline.reuse import make_plan, rest_attributes
from fairgov.validate import compile_project

EVAL = "evaluation/cxr-demo-probe"
REST_GATE = """gates:
  - id: tpr-river-vs-rest
    metric: tpr
    across: [site]
    statistic: difference
    group: river
    reference: rest
    min: -0.2
"""


def _key(project: Path) -> tuple[list[str], str]:
    cp = compile_project(project)
    assert cp.ok, cp.diagnostics
    entry = cp.get(EVAL)
    plan = make_plan(cp, entry, cp.get(entry.model.dataset), None, {}, HashIndex(None))
    return rest_attributes(cp, EVAL), plan.key_measure


def test_only_a_rest_gate_asks_for_rest_differences_and_it_changes_the_key(
    project: Path, edit
) -> None:
    before, key = _key(project)
    edit(project / "policy.yaml", "gates:\n", REST_GATE)
    after, key_rest = _key(project)
    assert (before, after) == ([], ["site"]) and key != key_rest


def test_a_build_with_a_rest_gate_measures_and_decides_it(
    project: Path, edit, tmp_path: Path
) -> None:
    import json

    from fairgov.pipeline.build import run_build

    edit(project / "policy.yaml", "gates:\n", REST_GATE)
    out = tmp_path / "out"
    outcome = run_build(
        project,
        out=out,
        date="2026-01-15",
        write_reports=False,
        command=["fairgov", "build"],
        options={"cache_dir": str(tmp_path / "cache")},
    )
    assert outcome.results is not None
    results = json.loads((out / "results.json").read_text())
    aggs = results["evaluations"][EVAL]["measure"]["attributes"]
    rest = {d["group"]: d for d in aggs["site"]["aggregates"]["tpr"]["gap"]["versus_rest"]}
    assert "versus_rest" not in aggs["sex"]["aggregates"]["tpr"]["gap"]  # no gate asked for it
    (gate,) = [g for g in results["gates"] if g["gate"] == "tpr-river-vs-rest"]
    assert gate["value"] == rest["river"]["value"] and gate["ci_low"] == rest["river"]["ci_low"]
    assert (
        gate["outcome"] in ("pass", "fail", "inconclusive") and gate["compared"] == gate["ci_low"]
    )
