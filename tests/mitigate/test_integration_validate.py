"""Validate-time diagnostics of mitigations, compare blocks, deployed variants and comparison
gates (issue 14): coded and located (file:line:col), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairgov.validate import compile_project

THRESHOLDS = """ece_bins: 10
mitigations:
  - id: site-thresholds
    type: group_thresholds
    by: [site]
    objective: equal_opportunity
"""


def _codes(project: Path, file: str) -> list[tuple[str, int, int]]:
    cp = compile_project(project)
    return [d.check_tuple() for d in cp.diagnostics if d.file == file]


def test_valid_mitigations_and_compare_are_clean(project: Path, edit) -> None:
    edit(
        project / "evaluation.yaml",
        "ece_bins: 10\n",
        THRESHOLDS + "compare:\n  candidates: [site-thresholds]\n",
    )
    cp = compile_project(project)
    assert cp.diagnostics == []
    ev = cp.model("evaluation/cxr-demo-probe")
    assert [m.id for m in ev.mitigations] == ["site-thresholds"]
    assert ev.compare.baseline == "baseline"


CASES = [
    (
        "unknown-attribute",
        "evaluation.yaml",
        THRESHOLDS.replace("by: [site]", "by: [race]"),
        [("FG480", 42, 10)],
    ),
    (
        "reserved-id",
        "evaluation.yaml",
        THRESHOLDS.replace("id: site-thresholds", "id: baseline"),
        [("FG481", 40, 9)],
    ),
    (
        "duplicate-id",
        "evaluation.yaml",
        THRESHOLDS
        + "  - {id: site-thresholds, type: group_thresholds, by: [sex], objective: "
          "equal_opportunity}\n",
        [("FG481", 44, 10)],
    ),
    (
        "refit-on-predictions",
        "evaluation.yaml",
        "ece_bins: 10\nmitigations:\n  - {id: rw, type: reweight, by: [site]}\n",
        [("FG483", 40, 20)],
    ),
    (
        "compare-unknown",
        "evaluation.yaml",
        THRESHOLDS + "compare:\n  candidates: [site-thresholds, nope]\n",
        [("FG482", 45, 33)],
    ),
    (
        "compare-unknown-baseline",
        "evaluation.yaml",
        THRESHOLDS + "compare:\n  baseline: nope\n",
        [("FG482", 45, 13)],
    ),
]


@pytest.mark.parametrize(("name", "file", "new", "expect"), CASES, ids=[c[0] for c in CASES])
def test_evaluation_diagnostics(
    project: Path, edit, name: str, file: str, new: str, expect: list
) -> None:
    edit(project / file, "ece_bins: 10\n", new)
    assert _codes(project, file) == expect


def test_deployment_unknown_variant(project: Path, edit) -> None:
    edit(project / "deployment.yaml", "  threshold: 0.5\n", "  threshold: 0.5\n  variant: nope\n")
    assert _codes(project, "deployment.yaml") == [("FG484", 30, 12)]


def test_deployed_group_thresholds_need_the_attribute_statement(project: Path, edit) -> None:
    edit(project / "evaluation.yaml", "ece_bins: 10\n", THRESHOLDS)
    edit(
        project / "deployment.yaml",
        "  threshold: 0.5\n",
        "  threshold: 0.5\n  variant: site-thresholds\n",
    )
    assert _codes(project, "deployment.yaml") == [("FG485", 28, 3), ("FG486", 29, 14)]
    edit(
        project / "deployment.yaml",
        "  threshold: 0.5\n",
        "  threshold: fitted\n  attribute_at_inference:\n    source: DICOM InstitutionName\n    "
        "statement: The PACS router adds the site code to every study.\n",
    )
    assert _codes(project, "deployment.yaml") == []


GATE = """waivers: []
comparisons:
  - id: tpr-no-worse
    evaluation: evaluation/cxr-demo-probe
    candidate: site-thresholds
    metric: tpr
    across: [sex]
    statistic: each_group
    max_worsening: 0.02
"""


def test_comparison_gate_checks(project: Path, edit) -> None:
    edit(project / "evaluation.yaml", "ece_bins: 10\n", THRESHOLDS)
    edit(project / "policy.yaml", "waivers: []\n", GATE)
    assert _codes(project, "policy.yaml") == []
    edit(project / "policy.yaml", "candidate: site-thresholds", "candidate: nope")
    edit(
        project / "policy.yaml",
        "across: [sex]\n    statistic: each",
        "across: [race]\n    statistic: each",
    )
    assert _codes(project, "policy.yaml") == [("FG532", 71, 16), ("FG533", 73, 13)]


def test_comparison_gate_duplicate_id_and_bad_evaluation(project: Path, edit) -> None:
    edit(project / "evaluation.yaml", "ece_bins: 10\n", THRESHOLDS)
    edit(
        project / "policy.yaml",
        "waivers: []\n",
        GATE.replace("tpr-no-worse", "auroc-gap-sex").replace(
            "evaluation/cxr-demo-probe", "evaluation/nope"
        ),
    )
    assert _codes(project, "policy.yaml") == [("FG530", 69, 9), ("FG531", 70, 17)]


def test_comparison_gate_shape_is_a_schema_error(project: Path, edit) -> None:
    edit(project / "policy.yaml", "waivers: []\n", GATE.replace("    across: [sex]\n", ""))
    codes = [c for c, _, _ in _codes(project, "policy.yaml")]
    assert codes == ["FG204"]
