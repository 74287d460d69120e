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
