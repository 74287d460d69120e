"""A project with a binary, a multilabel and a multiclass evaluation, through `fairgov check`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from task_project import PATTERNS, write_project

from fairgov.cli.main import main
from fairgov.results.model import RESULTS_SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[int, dict, Path]:
    root = tmp_path_factory.mktemp("tasks")
    project = write_project(root)
    rc = main(["check", str(project), "--out", str(root / "out"), "--date", "2026-11-28"])
    return rc, json.loads((root / "out/results.json").read_text()), project


def _test_rows(project: Path, scores: str) -> pd.DataFrame:
    manifest = pd.read_csv(project / "data/manifest.csv", dtype=str)
    preds = pd.read_csv(project / f"data/{scores}.csv")
    return manifest.merge(preds, on="image").query("split == 'test'")


@pytest.mark.slow
def test_results_validate_and_binary_evaluations_are_unchanged(built) -> None:
    rc, results, _ = built
    jsonschema.validate(results, json.loads((REPO / "schemas/results.schema.json").read_text()))
    assert results["schema_version"] == RESULTS_SCHEMA_VERSION
    binary = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert binary["task"] == {"label": "finding", "positive": "1"} and "labels" not in binary
    assert all(
        "label" not in g
        for g in results["gates"]
        if g.get("evaluation") == "evaluation/cxr-demo-probe"
    )


@pytest.mark.slow
def test_each_label_is_a_one_vs_rest_endpoint(built) -> None:
    _, results, project = built
    ev = results["evaluations"]["evaluation/cxr-findings"]
    assert (
        ev["status"] == "ok"
        and "measure" not in ev
        and set(ev["labels"]) == {"effusion", "edema", "nodule"}
    )
    assert ev["provenance"]["predictions"]["score_columns"] == {
        "effusion": "p_effusion",
        "edema": "score_edema",
        "nodule": "score_nodule",
    }
    test = _test_rows(project, "findings")
    for name, positive, column in (
        ("effusion", "yes", "p_effusion"),
        ("nodule", "1", "score_nodule"),
    ):
        end = ev["labels"][name]
        y = (test[name] == positive).astype(int)
        assert end["positive"] == positive and end["threshold"]["fitted_on"] == "validation"
        assert end["measure"]["overall"]["metrics"]["auroc"]["value"] == pytest.approx(
            roc_auc_score(y, test[column])
        )
        assert end["measure"]["n_pos"] == int(y.sum())
        male = test["sex"] == "M"
        cell = end["measure"]["attributes"]["sex"]["groups"]["male"]
        assert cell["metrics"]["auroc"]["value"] == pytest.approx(
            roc_auc_score(y[male], test[column][male])
        )
    # each label has its own validation threshold (target FPR 0.2 on its own negatives)
    assert len({ev["labels"][n]["threshold"]["value"] for n in ev["labels"]}) == 3


@pytest.mark.slow
def test_multiclass_task_metrics_match_sklearn(built) -> None:
    _, results, project = built
    ev = results["evaluations"]["evaluation/cxr-pattern"]
    assert list(ev["task_metrics"]["classes"]) == PATTERNS and set(ev["labels"]) == set(PATTERNS)
    test = _test_rows(project, "patterns")
    y = test["pattern"].map(PATTERNS.index).to_numpy()
    P = test[[f"score_{c}" for c in PATTERNS]].to_numpy()
    overall = ev["task_metrics"]["overall"]["metrics"]
    assert overall["macro_auroc"]["value"] == pytest.approx(
        roc_auc_score(y, P, multi_class="ovr", average="macro")
    )
    assert overall["balanced_accuracy"]["value"] == pytest.approx(
        balanced_accuracy_score(y, P.argmax(1))
    )
    river = (test["site"] == "river").to_numpy()
    site = ev["task_metrics"]["attributes"]["site"]
    assert site["groups"]["river"]["metrics"]["macro_auroc"]["value"] == pytest.approx(
        roc_auc_score(y[river], P[river], multi_class="ovr")
    )
    # per-class TPR at each class's own threshold
    tpr = ev["labels"]["normal"]["measure"]["overall"]["metrics"]["tpr"]["value"]
    th = ev["labels"]["normal"]["threshold"]["value"]
    assert tpr == pytest.approx(np.mean(P[y == 0, 0] >= th))
    gaps = site["gaps"]["macro_auroc"]
    vals = [
        c["metrics"]["macro_auroc"]["value"]
        for c in site["groups"].values()
        if c["metrics"]["macro_auroc"]["value"] is not None
    ]
    assert gaps["value"] == pytest.approx(max(vals) - min(vals)) and gaps["group"] == "river"


@pytest.mark.slow
def test_gates_get_one_row_per_label_and_name_it(built) -> None:
    _, results, _ = built
    gates = {g["id"]: g for g in results["gates"]}
    for name in ("effusion", "edema", "nodule"):
        row = gates[f"auroc-gap-sex[cxr-findings][{name}]"]
        assert row["label"] == name and row["title"].endswith(f"({name})")
        assert row["evaluation"] == "evaluation/cxr-findings"
    named = gates["effusion-auroc-sex[effusion]"]
    ev = results["evaluations"]["evaluation/cxr-findings"]
    gap = ev["labels"]["effusion"]["measure"]["attributes"]["sex"]["aggregates"]["auroc"]["gap"]
    assert named["value"] == gap["value"] and named["status"] == "pass"
    macro = gates["pattern-macro-site[macro]"]
    summary = results["evaluations"]["evaluation/cxr-pattern"]["task_metrics"]["attributes"][
        "site"
    ]["gaps"]
    assert macro["label"] == "macro" and macro["value"] == summary["macro_auroc"]["value"]
    assert macro["ci_high"] == summary["macro_auroc"]["ci_high"] and macro["status"] == "pass"


@pytest.mark.slow
def test_hf_model_index_has_one_entry_per_label_and_subgroup(built, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    _, results, project = built
    (tmp_path / "results.json").write_text(json.dumps(results))
    out = tmp_path / "README.md"
    args = [
        "export",
        "hf-model-card",
        "cxr-triage-fm",
        str(project),
        "--results",
        str(tmp_path / "results.json"),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    card = ModelCard.load(out)
    by_task: dict[str, list] = {}
    for r in card.data.eval_results:
        by_task.setdefault(r.task_name, []).append(r)
    assert {"effusion = yes", "edema = 1", "nodule = 1", "normal = normal"} <= set(by_task)
    ev = results["evaluations"]["evaluation/cxr-findings"]
    river = [
        r
        for r in by_task["effusion = yes"]
        if r.metric_type == "auroc" and r.metric_name == "auroc (site: river)"
    ]
    expected = ev["labels"]["effusion"]["measure"]["attributes"]["site"]["groups"]["river"]
    assert len(river) == 1 and river[0].metric_value == pytest.approx(
        expected["metrics"]["auroc"]["value"]
    )
    assert "Label `effusion` (positive: `yes`)" in card.text


@pytest.mark.slow
def test_diff_reads_labels_and_reports_a_label_change(built) -> None:
    from fairgov.resultsdiff import diff_results

    _, results, _ = built
    head = json.loads(json.dumps(results))
    cell = head["evaluations"]["evaluation/cxr-findings"]["labels"]["edema"]["measure"]["overall"]
    cell["metrics"]["auroc"]["value"] -= 0.2
    d = diff_results(results, head)
    text = json.dumps(d)
    assert "evaluation/cxr-findings@edema" in text and "evaluation/cxr-findings@nodule" not in text
    (row,) = [m for m in d["metrics"] if m["evaluation"] == "evaluation/cxr-findings@edema"]
    assert (row["attribute"], row["metric"], row["regression"]) == ("overall", "auroc", True)


@pytest.mark.slow
def test_a_warm_rebuild_reuses_every_endpoint_and_is_byte_identical(built, tmp_path: Path) -> None:
    _, results, project = built
    assert main(["check", str(project), "--out", str(tmp_path / "a"), "--date", "2026-11-28"]) == 1
    assert main(["check", str(project), "--out", str(tmp_path / "b"), "--date", "2026-11-28"]) == 1
    assert (tmp_path / "a/results.json").read_bytes() == (tmp_path / "b/results.json").read_bytes()
    stats = json.loads((tmp_path / "b/run-stats.json").read_text())
    assert stats["evaluation/cxr-findings"]["stages"]["measurement"]["reused"] is True
    assert (
        json.loads((tmp_path / "b/results.json").read_text())["evaluations"]
        == results["evaluations"]
    )


@pytest.mark.slow
def test_a_macro_balanced_accuracy_gate_checks_the_worst_site_and_shows_its_evidence(
    built,
) -> None:
    from fairgov.render import render_reports
    from fairgov.validate import compile_project

    _, results, project = built
    test = _test_rows(project, "patterns")
    y = test["pattern"].map(PATTERNS.index).to_numpy()
    pred = test[[f"score_{c}" for c in PATTERNS]].to_numpy().argmax(1)
    ev = results["evaluations"]["evaluation/cxr-pattern"]
    site = ev["task_metrics"]["attributes"]["site"]["groups"]
    expected = {}
    for g in ("north", "central", "river"):
        m = (test["site"] == g).to_numpy()
        expected[g] = balanced_accuracy_score(y[m], pred[m])
        stat = site[g]["metrics"]["balanced_accuracy"]
        assert stat["value"] == pytest.approx(expected[g])
        assert stat["ci_low"] < stat["value"] < stat["ci_high"]
    worst = min(expected, key=expected.get)
    row = {g["id"]: g for g in results["gates"]}["pattern-balanced-accuracy-site[macro]"]
    cell = site[worst]["metrics"]["balanced_accuracy"]
    assert (row["metric"], row["statistic"]) == ("balanced_accuracy", "worst")
    assert row["label"] == "macro" and row["title"].startswith("macro balanced_accuracy worst")
    assert row["value"] == pytest.approx(expected[worst]) and row["ci_low"] == cell["ci_low"]
    assert row["details"]["task_metric"] == "balanced_accuracy"
    assert row["details"]["group"] == worst
    # the whole interval lies below min 0.9: a failure, reported as a warning (severity: warn)
    assert cell["ci_high"] < 0.9 and row["status"] == "warn" and row["outcome"] == "fail"
    # the gate's per-group numbers are in the dossier (the model card report names it)
    (dossier,) = [
        r
        for r in render_reports(results, compile_project(project), pdf=False)
        if r.kind == "dossier"
    ]
    start = dossier.html.index("Numbers behind gate pattern-balanced-accuracy-site[macro]")
    table = dossier.html[start : dossier.html.index("</table>", start)]
    assert "Balanced accuracy" in table and worst in table
    assert f"{cell['value']:.3f}"[:4] in table
