"""The task project (task_project.py) with small synthetic images and a tiny seeded timm
backbone, so its multilabel and multiclass evaluations run the linear probe (and the
mitigations that re-fit it) on real embeddings: 400 images (every other manifest row) of
32 px, ``test_resnet``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from task_project import FINDINGS, PATTERNS, write_project

PROBE = "protocol:\n  type: linear_probe\n  regularization: [0.01, 0.1, 1.0]\n"
MITIGATIONS = """mitigations:
  - id: site-reweight
    type: reweight
    by: [site]
    with_label: true
  - id: site-dro
    type: group_dro
    by: [site]
    step_size: 0.02
compare:
  baseline: baseline
  candidates: [site-reweight, site-dro]
"""


def _images(project: Path, seed: int = 0) -> None:
    """One 32 px RGB PNG per manifest row: each finding and each pattern class adds its own
    bright region, the river site's images are noisier."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    path = project / "data/manifest.csv"
    man = pd.read_csv(path, dtype=str).iloc[::2].reset_index(drop=True)  # 400 rows
    man.to_csv(path, index=False)
    preds = project / "data/predictions.csv"  # the binary evaluation's scores, same rows
    scores = pd.read_csv(preds, dtype=str)
    scores[scores["image"].isin(set(man["image"]))].to_csv(preds, index=False)
    (project / "data/images").mkdir(exist_ok=True)
    regions = {
        "effusion": (slice(24, 32), slice(0, 32)),
        "edema": (slice(10, 20), slice(10, 20)),
        "nodule": (slice(2, 8), slice(22, 28)),
        "consolidation": (slice(0, 32), slice(0, 10)),
        "interstitial": (slice(0, 32, 3), slice(12, 32)),
    }
    for _, row in man.iterrows():
        noise = 0.35 if row["site"] == "river" else 0.15
        img = 0.3 + rng.normal(0, noise, (32, 32, 3))
        for name in FINDINGS:
            if row[name] in ("yes", "1"):
                img[regions[name]] += 0.35
        if row["pattern"] != PATTERNS[0]:
            img[regions[row["pattern"]]] += 0.12
        pixels = (np.clip(img, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(project / "data" / row["image"])


def _backbone(project: Path) -> None:
    import timm
    import torch
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    torch.manual_seed(0)
    model = timm.create_model("test_resnet", pretrained=False, num_classes=0)
    path = project / "data/tiny.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    card = project / "modelcard.yaml"
    text = card.read_text()
    anchor = "    adaptation: Linear probe; the backbone is frozen and only the logistic head is "
    anchor += "fitted.\n"
    assert anchor in text
    card.write_text(
        text.replace(
            anchor,
            anchor
            + "    backbone:\n      architecture: test_resnet\n"
            + "      weights: data/tiny.safetensors\n"
            + f'      sha256: "{sha256_file(path)}"\n'
            + "      preprocessing:\n        input_size: 32\n        mean: [0.5, 0.5, 0.5]\n"
            + "        std: [0.25, 0.25, 0.25]\n        crop_pct: 1.0\n",
            1,
        )
    )


def write_refit_project(root: Path, comparisons: str | None = None) -> Path:
    """The task project with images, a backbone, linear-probe multilabel / multiclass
    evaluations that declare a reweight and a group DRO variant, and (optionally) the policy's
    comparison gates (text that replaces ``waivers: []``)."""
    project = write_project(root)
    _images(project)
    _backbone(project)
    for name in ("evaluation-findings.yaml", "evaluation-pattern.yaml"):
        path = project / name
        text = re.sub(r"protocol:\n(  .*\n)+", PROBE, path.read_text(), count=1)
        evidence = "min_evidence:\n  positives: 10\n  negatives: 10\n"
        assert evidence in text  # half the rows: half the evidence a cell needs
        text = text.replace(evidence, "min_evidence:\n  positives: 5\n  negatives: 5\n")
        path.write_text(text + MITIGATIONS)
    if comparisons is not None:
        policy = project / "policy.yaml"
        assert "waivers: []\n" in policy.read_text()
        policy.write_text(policy.read_text().replace("waivers: []\n", comparisons, 1))
    return project
