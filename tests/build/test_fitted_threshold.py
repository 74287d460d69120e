"""`operating_point.threshold: fitted`: the deployment follows the evaluation's fitted
threshold across new predictions files, and each build records the number it deploys."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fairgov.cli.main import main


def check(project: Path, out: Path) -> tuple[int, dict]:
    rc = main(["check", str(project), "--out", str(out), "--date", "2026-11-28"])
    return rc, json.loads((out / "results.json").read_text())


def gate(results: dict) -> dict:
    return next(g for g in results["gates"] if g["id"] == "threshold-matches")


def fitted(results: dict) -> float:
    return results["evaluations"]["evaluation/cxr-demo-probe"]["threshold"]["value"]


def test_fitted_follows_new_predictions_and_records_the_number(
    project: Path, tmp_path: Path, edit, capsys
) -> None:
    edit(project / "deployment.yaml", "  threshold: 0.5\n", "  threshold: fitted\n")
    _, first = check(project, tmp_path / "a")
    g = gate(first)
    assert g["status"] == "pass" and g["value"] == fitted(first)
    assert (
        g["reason"]
        == f"deployment/st-example-central: deploys the fitted threshold {fitted(first):.4f}"
    )
    assert g["details"]["deployed"] == {
        "deployment/st-example-central": {"threshold": fitted(first), "source": "fitted"}
    }
    # a new predictions file moves the fitted threshold; the deployment follows without an edit
    path = project / "data/predictions.csv"
    df = pd.read_csv(path, dtype={"image": str})
    df["score"] = (df["score"] ** 1.5).round(6)
    df.to_csv(path, index=False)
    _, second = check(project, tmp_path / "b")
    assert fitted(second) != pytest.approx(fitted(first), abs=1e-4)
    assert gate(second)["status"] == "pass" and gate(second)["value"] == fitted(second)
    capsys.readouterr()
    main(["check", str(project), "--out", str(tmp_path / "c"), "--date", "2026-11-28"])
    row = next(
        line for line in capsys.readouterr().out.splitlines() if " threshold-matches " in line
    )
    assert row.startswith("✔ pass") and f"{fitted(second):.3f}" in row


def test_hand_written_number_still_has_to_match(project: Path, tmp_path: Path, edit) -> None:
    _, results = check(project, tmp_path / "a")
    assert gate(results)["status"] == "fail"
    assert "deployed threshold 0.5000 ≠ evaluated" in gate(results)["reason"]
    assert gate(results)["details"]["deployed"]["deployment/st-example-central"]["source"] == "spec"
    edit(project / "deployment.yaml", "  threshold: 0.5\n", f"  threshold: {fitted(results)!r}\n")
    _, results = check(project, tmp_path / "b")
    assert gate(results)["status"] == "pass"


def test_a_misspelt_reference_is_a_schema_error(project: Path, edit, capsys) -> None:
    edit(project / "deployment.yaml", "  threshold: 0.5\n", "  threshold: fited\n")
    assert main(["validate", str(project)]) == 1
    assert "deployment.yaml:29:14: FG2" in capsys.readouterr().out


def test_reports_show_the_deployed_number(project: Path, tmp_path: Path, edit) -> None:
    from fairgov.render.context import _deployment_line
    from fairgov.results import parse
    from fairgov.validate import compile_project

    edit(project / "deployment.yaml", "  threshold: 0.5\n", "  threshold: fitted\n")
    _, results = check(project, tmp_path / "a")
    entry = compile_project(project).of_kind("DeploymentProtocol")[0]
    assert _deployment_line(entry, parse(results))["threshold"] == f"{fitted(results):.3f}"
