"""A three-class zero-shot evaluation end to end: the example project with its backbone swapped
for a tiny random open_clip model saved locally, a `pattern` label of three classes and
prompts per class. `fairgov check` runs it; results.json's per-class and task-level metrics
are checked against scikit-learn on the class scores the pipeline wrote (its probe-outputs
table), the prompts against the provenance and the cache key, and the report's label x subgroup
overview against results.json."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")
pytestmark = pytest.mark.slow  # builds the 800-image example with a tiny CLIP

REPO = Path(__file__).resolve().parents[2]
EVAL = "evaluation/cxr-demo-probe"
CLASSES = ["normal", "consolidation", "interstitial"]
CLIP_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}
PROMPTS = {
    "normal": ["a normal chest radiograph", "clear lungs"],
    "consolidation": ["a chest radiograph with consolidation"],
    "interstitial": ["a chest radiograph with an interstitial pattern", "reticular opacities"],
}
EVALUATION = """apiVersion: fairgov/v1
kind: Evaluation
id: cxr-demo-probe
title: Zero-shot parenchymal pattern, three classes
owners:
  - name: Ravi Patel
    role: ML engineer
model: modelcard/cxr-triage-fm
dataset: datasheet/cxr-demo
task:
  type: multiclass
  label: pattern
protocol:
  type: zero_shot
  temperature: 0.05
  prompts: PROMPTS
splits:
  source: column
threshold:
  policy: target_fpr
  value: 0.2
subgroups: [sex, age_band, site]
metrics: [auroc, tpr, fpr]
bootstrap:
  resamples: 200
  level: 0.95
  seed: 11
  permutations: 20
min_evidence:
  positives: 5
  negatives: 5
compute:
  batch_size: 64
  workers: 0
"""
LABEL = """    pattern:
      column: pattern
      classes: [normal, consolidation, interstitial]
      description: Dominant parenchymal pattern, consensus of two radiologists.
attributes:
"""


def _project(tmp: Path) -> Path:
    from safetensors.torch import save_file

    root = tmp / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    card = root / "modelcard.yaml"
    backbone = (
        "    backbone:\n      architecture: tiny-clip\n      library: open_clip\n"
        "      weights: data/clip.safetensors\n      config: data/clip.json\n"
    )
    pattern = r"    backbone:\n(      .*\n|        .*\n)+"
    card.write_text(re.sub(pattern, backbone, card.read_text()))
    torch.manual_seed(0)
    model = open_clip.CLIP(**json.loads(json.dumps(CLIP_CFG))).eval()
    (root / "data" / "clip.json").write_text(json.dumps(CLIP_CFG))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              root / "data" / "clip.safetensors")
    manifest = pd.read_csv(root / "data" / "manifest.csv", dtype=str)
    rng = np.random.default_rng(5)
    manifest["pattern"] = [CLASSES[i] for i in rng.integers(0, 3, len(manifest))]
    manifest.to_csv(root / "data" / "manifest.csv", index=False)
    ds = root / "datasheet.yaml"
    text = ds.read_text()
    assert "\nattributes:\n" in text
    ds.write_text(text.replace("\nattributes:\n", "\n" + LABEL, 1))
    prompts = json.dumps(PROMPTS)  # JSON is YAML
    (root / "evaluation.yaml").write_text(EVALUATION.replace("PROMPTS", prompts))
    policy = root / "policy.yaml"  # the comparison gates name the example's DRO variant
    text = policy.read_text()
    assert "\ncomparisons:\n" in text
    policy.write_text(text.split("\ncomparisons:\n")[0] + "\n")
    return root


def _check(root: Path, out: Path) -> tuple[int, dict, dict]:
    from fairgov.cli.main import main

    rc = main(["check", str(root), "--out", str(out), "--date", "2026-11-28", "--format", "json"])
    results = json.loads((out / "results.json").read_text())
    stats = json.loads((out / "run-stats.json").read_text())[EVAL]
    return rc, results, stats


def _scores(root: Path) -> list[pd.DataFrame]:
    """The validation/test class scores the pipeline wrote (its probe-outputs cache entries)."""
    tables = []
    for path in sorted((root / ".fairgov" / "cache" / "objects").rglob("*.parquet")):
        table = pd.read_parquet(io.BytesIO(path.read_bytes()))
        if {"row_id", "split"} <= set(table.columns):
            tables.append(table)
    return tables


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, int, dict, dict, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("zs3")
    root = _project(tmp)
    rc, results, stats = _check(root, tmp / "out")
    (table,) = _scores(root)
    return root, rc, results, stats, table


def test_the_scores_are_softmax_probabilities_of_the_three_classes(built) -> None:
    root, rc, results, stats, table = built
    ev = results["evaluations"][EVAL]
    assert rc in (0, 1) and ev["status"] == "ok", ev.get("error")
    assert set(table["split"]) == {"validation", "test"}  # zero-shot scores no train row
    P = table[[f"score:{c}" for c in CLASSES]].to_numpy()
    assert np.allclose(P.sum(axis=1), 1.0, atol=1e-5) and (P > 0).all()
    manifest = pd.read_csv(root / "data" / "manifest.csv", dtype=str)
    scored = manifest[manifest["split"].isin(["validation", "test"])]
    assert len(table) == len(scored) == stats["images_embedded"]
    # each row's one-hot label is the manifest's class of that patient's image
    truth = scored.set_index("patient_id")["pattern"]
    for c in CLASSES:
        expected = truth[table["patient_id"]].to_numpy() == c
        assert (table[f"label:{c}"].astype(bool).to_numpy() == expected).all()


def test_per_class_and_task_metrics_match_sklearn_on_the_written_scores(built) -> None:
    _, _, results, _, table = built
    ev = results["evaluations"][EVAL]
    assert set(ev["labels"]) == set(CLASSES) and ev["task_metrics"]["classes"] == CLASSES
    test = table[table["split"] == "test"]
    P = test[[f"score:{c}" for c in CLASSES]].to_numpy()
    y = np.argmax(test[[f"label:{c}" for c in CLASSES]].to_numpy(), axis=1)
    river = (test["site"] == "river").to_numpy()
    for j, c in enumerate(CLASSES):
        measure = ev["labels"][c]["measure"]
        assert measure["n_pos"] == int((y == j).sum())
        assert measure["overall"]["metrics"]["auroc"]["value"] == pytest.approx(
            roc_auc_score(y == j, P[:, j])
        )
        cell = measure["attributes"]["site"]["groups"]["river"]["metrics"]["auroc"]
        assert cell["value"] == pytest.approx(roc_auc_score(y[river] == j, P[river, j]))
        threshold = ev["labels"][c]["threshold"]["value"]
        assert measure["overall"]["metrics"]["tpr"]["value"] == pytest.approx(
            np.mean(P[y == j, j] >= threshold)
        )
        # the class's threshold meets its target FPR 0.2 on its validation negatives
        val = table[table["split"] == "validation"]
        negatives = val.loc[val[f"label:{c}"] == 0, f"score:{c}"]
        assert np.mean(negatives >= threshold) <= 0.2 + 1 / len(negatives)
    overall = ev["task_metrics"]["overall"]["metrics"]
    assert overall["macro_auroc"]["value"] == pytest.approx(
        roc_auc_score(y, P, multi_class="ovr", average="macro")
    )
    assert overall["balanced_accuracy"]["value"] == pytest.approx(
        balanced_accuracy_score(y, P.argmax(1))
    )
    site = ev["task_metrics"]["attributes"]["site"]["groups"]["river"]["metrics"]
    assert site["balanced_accuracy"]["value"] == pytest.approx(
        balanced_accuracy_score(y[river], P[river].argmax(1))
    )


def test_the_prompts_are_in_the_provenance_and_the_report(built) -> None:
    from fairgov.render import render_reports
    from fairgov.validate import compile_project

    root, _, results, _, _ = built
    ev = results["evaluations"][EVAL]
    text = json.dumps(ev["provenance"])
    assert '"library": "open_clip"' in text and '"pooling": "clip_image"' in text
    zs = ev["provenance"]["zero_shot"]
    assert zs["prompts"] == PROMPTS  # results.json sorts keys: the class order is the task's
    assert (zs["temperature"], zs["temperature_source"]) == (0.05, "spec")
    (card,) = [
        r
        for r in render_reports(results, compile_project(root), pdf=False)
        if r.kind == "modelcard"
    ]
    html = card.html
    assert "“reticular opacities”" in html and "“a chest radiograph with consolidation”" in html
    start = html.index("Labels at a glance")
    overview = html[start : html.index("</table>", start)]
    rows = re.findall(r'<th scope="row">(?:▲ )?([^<]+)</th>', overview)
    assert rows == [*CLASSES, "macro AUROC", "balanced accuracy"]
    macro = ev["task_metrics"]["overall"]["metrics"]["macro_auroc"]["value"]
    assert f"{macro:.3f}" in overview


def test_swapped_prompts_rerun_and_swap_the_class_scores(built, tmp_path: Path) -> None:
    """Each class is scored by its own prompts: swapping two classes' prompts swaps their score
    columns (the third is unchanged); the prompts are part of the cache key, so the scores
    stage reruns while the image embeddings come from the cache."""
    root, _, _, _, first = built
    swapped = {**PROMPTS, "normal": PROMPTS["consolidation"], "consolidation": PROMPTS["normal"]}
    ev = root / "evaluation.yaml"
    text = ev.read_text()
    assert json.dumps(PROMPTS) in text
    ev.write_text(text.replace(json.dumps(PROMPTS), json.dumps(swapped)))
    _, results2, stats2 = _check(root, tmp_path / "out2")
    assert not stats2["stages"]["probe_outputs"]["reused"]
    assert "protocol" in stats2["stages"]["probe_outputs"]["reason"]
    assert stats2["forward_passes"] == 0
    tables = _scores(root)
    assert len(tables) == 2
    (second,) = [t for t in tables if not t.equals(first)]
    second = second.set_index("row_id").loc[first["row_id"]]
    assert np.allclose(second["score:normal"], first["score:consolidation"], atol=1e-6)
    assert np.allclose(second["score:consolidation"], first["score:normal"], atol=1e-6)
    assert np.allclose(second["score:interstitial"], first["score:interstitial"], atol=1e-6)
    assert not np.allclose(second["score:normal"], first["score:normal"], atol=1e-6)
    assert results2["evaluations"][EVAL]["provenance"]["zero_shot"]["prompts"] == swapped
