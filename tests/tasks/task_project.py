"""A copy of tests/fixtures/project with a multilabel (three findings) and a multiclass
(three patterns) evaluation beside the binary one, scored by bring-your-own predictions files
generated here from a fixed seed (no images, no model)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
FINDINGS = {"effusion": 0.35, "edema": 0.25, "nodule": 0.3}
PATTERNS = ["normal", "consolidation", "interstitial"]

LABELS = """    effusion:
      column: effusion
      classes: ["no", "yes"]
      description: Pleural effusion on the frontal view, consensus of two radiologists.
    edema:
      column: edema
      classes: ["0", "1"]
      description: Pulmonary edema, consensus of two radiologists.
    nodule:
      column: nodule
      classes: ["0", "1"]
      description: Pulmonary nodule of 6 mm or more, consensus of two radiologists.
    pattern:
      column: pattern
      classes: [normal, consolidation, interstitial]
      description: Dominant parenchymal pattern, consensus of two radiologists.
attributes:
"""

COMMON = """model: modelcard/cxr-triage-fm
dataset: datasheet/cxr-demo
splits:
  source: column
threshold:
  policy: target_fpr
  value: 0.2
subgroups: [sex, site, age_band]
metrics: [auroc, tpr, fpr, ppv, ece]
bootstrap:
  resamples: 200
  level: 0.95
  seed: 7
  permutations: 50
min_evidence:
  positives: 10
  negatives: 10
"""

MULTILABEL = (
    """apiVersion: fairgov/v1
kind: Evaluation
id: cxr-findings
title: Three findings, one-vs-rest
owners:
  - name: Ravi Patel
    role: ML engineer
task:
  type: multilabel
  labels:
    - {label: effusion, positive: "yes"}
    - {label: edema, positive: "1"}
    - {label: nodule, positive: "1"}
protocol:
  type: predictions
  path: data/findings.csv
  id_column: image
  score_columns: {effusion: p_effusion}
"""
    + COMMON
)

MULTICLASS = (
    """apiVersion: fairgov/v1
kind: Evaluation
id: cxr-pattern
title: Parenchymal pattern, three classes
owners:
  - name: Ravi Patel
    role: ML engineer
task:
  type: multiclass
  label: pattern
protocol:
  type: predictions
  path: data/patterns.csv
  id_column: image
"""
    + COMMON
)

GATES = """  - id: effusion-auroc-sex
    label: effusion
    metric: auroc
    across: [sex]
    statistic: gap
    max: 0.5
    evaluations: [evaluation/cxr-findings]
  - id: pattern-macro-site
    label: macro
    metric: auroc
    across: [site]
    statistic: gap
    max: 0.5
    evaluations: [evaluation/cxr-pattern]
  - id: pattern-balanced-accuracy-site
    label: macro
    metric: balanced_accuracy
    across: [site]
    statistic: worst
    min: 0.9
    severity: warn
    evaluations: [evaluation/cxr-pattern]
"""

CARD_REFS = """  - ref: evaluation/cxr-findings
    role: internal
    setting: Three findings on the same test split.
    conducted_by: St. Example AI Lab.
    process: Bring-your-own scores, one threshold per label fitted on validation.
  - ref: evaluation/cxr-pattern
    role: internal
    setting: Parenchymal pattern on the same test split.
    conducted_by: St. Example AI Lab.
    process: Bring-your-own class probabilities, one threshold per class fitted on validation.
"""


def make_data(
    manifest: pd.DataFrame, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(manifest with the new label columns, findings predictions, pattern predictions)."""
    rng = np.random.default_rng(seed)
    n = len(manifest)
    out = manifest.copy()
    findings = pd.DataFrame({"image": manifest["image"]})
    river = (manifest["site"] == "river").to_numpy()
    for name, prevalence in FINDINGS.items():
        y = rng.random(n) < prevalence
        signal = np.where(river, 0.8, 2.0)  # the river site's scores separate less well
        logit = signal * (2 * y - 1) + rng.normal(0, 1.0, n)
        column = "p_effusion" if name == "effusion" else f"score_{name}"
        findings[column] = np.round(1 / (1 + np.exp(-logit)), 6)
        out[name] = np.where(y, "yes", "no") if name == "effusion" else y.astype(int).astype(str)
    cls = rng.integers(0, len(PATTERNS), n)
    logits = rng.normal(0, 1.0, (n, len(PATTERNS)))
    logits[np.arange(n), cls] += np.where(river, 0.7, 1.8)
    prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    out["pattern"] = [PATTERNS[c] for c in cls]
    patterns = pd.DataFrame({"image": manifest["image"]})
    for j, name in enumerate(PATTERNS):
        patterns[f"score_{name}"] = np.round(prob[:, j], 6)
    return out, findings, patterns


def write_project(root: Path) -> Path:
    """The project under root/project; returns its folder."""
    project = root / "project"
    shutil.copytree(REPO / "tests/fixtures/project", project)
    data = project / "data"
    manifest, findings, patterns = make_data(pd.read_csv(data / "manifest.csv", dtype=str))
    manifest.to_csv(data / "manifest.csv", index=False)
    findings.to_csv(data / "findings.csv", index=False)
    patterns.to_csv(data / "patterns.csv", index=False)
    ds = project / "datasheet.yaml"
    ds.write_text(ds.read_text().replace("attributes:\n", LABELS, 1))
    (project / "evaluation-findings.yaml").write_text(MULTILABEL)
    (project / "evaluation-pattern.yaml").write_text(MULTICLASS)
    card = project / "modelcard.yaml"
    card.write_text(card.read_text().replace("evaluations:\n", "evaluations:\n" + CARD_REFS, 1))
    policy = project / "policy.yaml"
    policy.write_text(
        policy.read_text().replace(
            "  - id: fairness-documented\n", GATES + "  - id: fairness-documented\n", 1
        )
    )
    return project
