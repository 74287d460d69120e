"""Bad multilabel / multiclass input: coded, located diagnostics, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from task_project import write_project

from fairgov.cli.main import main
from fairgov.validate import compile_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _diags(project: Path) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.file, d.line, d.col) for d in compile_project(project).diagnostics]


def test_the_task_project_is_clean(project: Path) -> None:
    assert _diags(project) == []


def test_an_undeclared_multilabel_label_is_fg320_at_its_line(project: Path) -> None:
    _edit(project / "evaluation-findings.yaml", "{label: edema,", "{label: oedema,")
    assert _diags(project) == [("FG320", "evaluation-findings.yaml", 12, 15)]
    (d,) = compile_project(project).diagnostics
    assert "'oedema' is not declared" in d.message and "effusion" in (d.hint or "")


def test_a_multilabel_label_of_three_values_is_fg320(project: Path) -> None:
    _edit(
        project / "evaluation-findings.yaml",
        '{label: nodule, positive: "1"}',
        "{label: pattern, positive: normal}",
    )
    (d,) = compile_project(project).diagnostics
    assert (d.code, d.line) == ("FG320", 13) and "holds 3 values" in d.message


def test_a_positive_value_that_is_not_a_class_is_fg320(project: Path) -> None:
    _edit(project / "evaluation-findings.yaml", 'positive: "yes"', 'positive: "true"')
    assert _diags(project) == [("FG320", "evaluation-findings.yaml", 11, 35)]


def test_an_undeclared_class_is_fg321(project: Path) -> None:
    _edit(
        project / "evaluation-pattern.yaml",
        "  label: pattern\n",
        "  label: pattern\n  classes: [normal, fibrosis]\n",
    )
    assert _diags(project) == [("FG321", "evaluation-pattern.yaml", 11, 21)]


def test_a_gate_naming_an_unknown_label_is_fg322(project: Path) -> None:
    _edit(project / "policy.yaml", "    label: effusion\n", "    label: effusions\n")
    (d,) = compile_project(project).diagnostics
    assert d.code == "FG322" and d.file == "policy.yaml" and "'effusions'" in d.message
    assert "labels: effusion, edema, nodule" in (d.hint or "")


def test_a_label_on_a_binary_evaluation_and_a_misused_macro_are_fg322(project: Path) -> None:
    _edit(
        project / "policy.yaml",
        "    evaluations: [evaluation/cxr-findings]\n",
        "    evaluations: [evaluation/cxr-demo-probe]\n",
    )
    _edit(
        project / "policy.yaml",
        "    label: macro\n    metric: auroc\n",
        "    label: macro\n    metric: tpr\n",
    )
    found = sorted((d.code, d.message.split(":")[0]) for d in compile_project(project).diagnostics)
    assert [c for c, _ in found] == ["FG322", "FG322"]
    messages = " | ".join(d.message for d in compile_project(project).diagnostics)
    assert "is a binary task" in messages and "`label: macro` gates the macro AUROC" in messages


def test_fine_tune_on_a_multilabel_task_is_refused_fg323(project: Path) -> None:
    path = project / "evaluation-findings.yaml"
    path.write_text(
        path.read_text() + "mitigations:\n  - id: site-tune\n    type: fine_tune\n"
        "    blocks: 1\n"
    )
    (d,) = [d for d in compile_project(project).diagnostics if d.code == "FG323"]
    assert (d.code, d.line, d.pointer) == ("FG323", 38, "/mitigations/0/type")
    assert "'site-tune' (fine_tune, training stage)" in d.message
    assert "fine-tunes the backbone against one binary label" in d.message
    assert "reweight, resample and group_dro variants are run per endpoint" in d.message
    assert "3 endpoints (effusion, edema, nodule)" in d.message
    assert 'task: {label: effusion, positive: "yes"}' in (d.hint or "")


def test_only_fine_tune_on_a_multiclass_task_is_fg323(project: Path) -> None:
    path = project / "evaluation-pattern.yaml"
    path.write_text(
        path.read_text() + "mitigations:\n  - id: site-resample\n    type: resample\n"
        "    by: [site]\n"
        "  - id: sex-thresholds\n    type: group_thresholds\n    by: [sex]\n"
        "    objective: target_sensitivity\n    value: 0.8\n"
        "  - id: sex-dro\n    type: group_dro\n    by: [sex]\n"
        "  - id: lora\n    type: fine_tune\n    adapter: {type: lora}\n"
    )
    found = [d for d in compile_project(project).diagnostics if d.code == "FG323"]
    # resample, group_thresholds and group_dro run per endpoint; fine_tune trains one label
    assert [(d.line, d.pointer) for d in found] == [(45, "/mitigations/3/type")]
    assert "'lora' (fine_tune, training stage)" in found[0].message
    assert "multiclass: 3 endpoints (normal, consolidation, interstitial)" in found[0].message
    assert 'positive: "normal"} (one-vs-rest)' in (found[0].hint or "")


def test_a_score_column_for_no_label_is_fg324(project: Path) -> None:
    _edit(
        project / "evaluation-findings.yaml",
        "{effusion: p_effusion}",
        "{effusion: p_effusion, mass: p_mass}",
    )
    assert _diags(project) == [("FG324", "evaluation-findings.yaml", 18, 47)]


def _check(project: Path, tmp_path: Path) -> tuple[int, dict]:
    rc = main(["check", str(project), "--out", str(tmp_path / "out"), "--date", "2026-11-28"])
    return rc, json.loads((tmp_path / "out/results.json").read_text())


@pytest.mark.slow
def test_a_manifest_value_outside_a_labels_classes_is_a_row_diagnostic(
    project: Path, tmp_path: Path, capsys
) -> None:
    manifest = pd.read_csv(project / "data/manifest.csv", dtype=str)
    manifest.loc[[3, 7], "edema"] = "maybe"
    manifest.to_csv(project / "data/manifest.csv", index=False)
    rc, results = _check(project, tmp_path)
    ev = results["evaluations"]["evaluation/cxr-findings"]
    assert rc == 1 and ev["status"] == "error" and ev["code"] == "FG403"
    assert "'maybe'" in ev["error"]
    err = capsys.readouterr().err
    assert "data/manifest.csv:5" in err and "Traceback" not in err
    rows = [g for g in results["gates"] if g["evaluation"] == "evaluation/cxr-findings"]
    assert rows and all(g["status"] in ("inconclusive", "warn") for g in rows)
    # the other evaluations still ran
    assert results["evaluations"]["evaluation/cxr-pattern"]["status"] == "ok"


@pytest.mark.slow
def test_a_class_without_rows_is_fg440(project: Path, tmp_path: Path) -> None:
    manifest = pd.read_csv(project / "data/manifest.csv", dtype=str)
    manifest.loc[manifest["pattern"] == "interstitial", "pattern"] = "normal"
    manifest.to_csv(project / "data/manifest.csv", index=False)
    rc, results = _check(project, tmp_path)
    ev = results["evaluations"]["evaluation/cxr-pattern"]
    assert rc == 1 and (ev["status"], ev["code"]) == ("error", "FG440")
    assert "'interstitial'" in ev["error"]
