"""`fairgov init --predictions`: a bring-your-own-predictions project that validates and builds
at once (example data included), with no image column and the fitted threshold deployed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from fairgov.cli.main import main


@pytest.fixture
def fresh(tmp_path: Path, capsys) -> tuple[Path, str]:
    folder = tmp_path / "derm"
    assert main(["init", str(folder), "--predictions", "--name", "Derm triage"]) == 0
    return folder, capsys.readouterr().out


def load(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def test_scaffold_is_the_predictions_protocol_without_images(fresh) -> None:
    folder, out = fresh
    assert "next steps (bring-your-own predictions: no images, no model run):" in out
    assert f"1. fairgov build {folder}" in out and "columns: case_id, score" in out
    assert load(folder / "datasheet.yaml")["manifest"]["image_column"] is None
    protocol = load(folder / "evaluation.yaml")["protocol"]
    assert protocol == {
        "type": "predictions",
        "path": "data/predictions.csv",
        "id_column": "case_id",
        "score_column": "score",
        "score_columns": None,
        "sha256": None,
    }
    assert "  # or instead (type: linear_probe):" in (folder / "evaluation.yaml").read_text()
    assert load(folder / "deployment.yaml")["operating_point"]["threshold"] == "fitted"
    man = pd.read_csv(folder / "data/manifest.csv", dtype=str)
    pred = pd.read_csv(folder / "data/predictions.csv", dtype={"case_id": str})
    assert list(man.columns) == ["case_id", "patient_id", "split", "finding", "sex", "age"]
    assert set(pred.case_id) == set(man.case_id) and pred.score.between(0, 1).all()
    assert man.groupby("patient_id").split.nunique().max() == 1  # patient-level split


def test_it_validates_with_only_placeholder_warnings(fresh, capsys) -> None:
    folder, _ = fresh
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    # the sample split is small for its gap gate: one FG540
    assert out.count("FG317 warning") == 6 and out.count("FG540 warning") == 1
    assert out.rstrip().endswith("0 error(s), 7 warning(s)")


def test_it_checks_at_once_and_blocks_only_on_the_unwritten_answers(
    fresh, tmp_path: Path, capsys
) -> None:
    from sklearn.metrics import roc_auc_score

    folder, _ = fresh
    rc = main(["check", str(folder), "--out", str(tmp_path / "o"), "--date", "2026-12-02"])
    results = json.loads((tmp_path / "o/results.json").read_text())
    ev = results["evaluations"]["evaluation/derm-triage"]
    assert rc == 1 and ev["status"] == "ok"
    status = {g["id"]: g["status"] for g in results["gates"]}
    assert status == {
        "auroc-gap-sex": "pass",
        "fairness-documented": "fail",
        "hti1-coverage": "fail",
        "axes-evaluated": "pass",
        "threshold-matches": "pass",
    }
    df = pd.read_csv(folder / "data/manifest.csv", dtype=str).merge(
        pd.read_csv(folder / "data/predictions.csv", dtype={"case_id": str}), on="case_id")
    test = df[(df.split == "test") & (df.sex == "F")]
    got = ev["measure"]["attributes"]["sex"]["groups"]["female"]["metrics"]["auroc"]["value"]
    assert got == pytest.approx(roc_auc_score(test.finding.astype(int), test.score), abs=1e-12)


def test_example_data_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["init", str(tmp_path / name), "--predictions"]) == 0
    for rel in ("data/manifest.csv", "data/predictions.csv"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


@pytest.mark.slow
def test_it_builds_reports_at_once(fresh, tmp_path: Path) -> None:
    folder, _ = fresh
    assert (
        main(
            ["build", str(folder), "--out", str(tmp_path / "o"), "--date", "2026-12-02", "--quiet"]
        )
        == 1
    )
    pdfs = sorted(p.name for p in (tmp_path / "o/reports").glob("*.pdf"))
    assert pdfs == [
        "datasheet-derm-triage.pdf",
        "deployment-site.pdf",
        "dossier-site.pdf",
        "modelcard-derm-triage.pdf",
    ]


def readme_commands() -> list[list[str]]:
    import shlex

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = (
        text.split("## Bring your own predictions", 1)[1]
        .split("```bash\n", 1)[1]
        .split("```", 1)[0]
    )
    return [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.strip()]


def test_readme_section_commands_run_as_written(tmp_path: Path, monkeypatch, capsys) -> None:
    """The README's three commands, verbatim (build swapped for check only to skip the PDFs)."""
    monkeypatch.chdir(tmp_path)
    init, validate, build = readme_commands()
    assert init[:3] == ["fairgov", "init", "--predictions"] and build[:2] == ["fairgov", "build"]
    assert main(init[1:]) == 0
    assert main(validate[1:]) == 0
    assert main(["check", *build[2:]]) == 1  # BLOCKED on the TODO answers, not an error
    results = json.loads((tmp_path / build[2] / "build/results.json").read_text())
    assert results["evaluations"]["evaluation/derm-triage"]["status"] == "ok"
