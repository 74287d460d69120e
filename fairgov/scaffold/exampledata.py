"""Example data for `fairgov init --predictions`: a manifest and a scores file that build.

A made-up cohort (no images, no real patients): one row per case with a patient id, a
patient-level split, a binary finding, sex and age, and a score that separates the classes
well. It exists so that a new project validates and builds at once and every report can be
looked at; replace both files with your own (same columns, or edit the datasheet and the
evaluation to name yours). Seeded, so every scaffold writes the same bytes.
"""

from __future__ import annotations

import math
import random

MANIFEST = "data/manifest.csv"
PREDICTIONS = "data/predictions.csv"
MANIFEST_COLUMNS = ("case_id", "patient_id", "split", "finding", "sex", "age")
PREDICTION_COLUMNS = ("case_id", "score")
PATIENTS = 1000
SPLITS = (("train", 0.5), ("validation", 0.25), ("test", 0.25))


def _split(u: float) -> str:
    edge = 0.0
    for name, share in SPLITS:
        edge += share
        if u < edge:
            return name
    return SPLITS[-1][0]


def example_tables(seed: int = 0) -> dict[str, str]:
    """{relative path: CSV text} for the manifest and the predictions file."""
    rng = random.Random(seed)
    manifest = [",".join(MANIFEST_COLUMNS)]
    scores = [",".join(PREDICTION_COLUMNS)]
    case = 0
    for p in range(PATIENTS):
        split, sex, age = _split(rng.random()), rng.choice("FM"), rng.randint(18, 95)
        for _ in range(rng.choice((1, 1, 2))):  # some patients have two studies
            case += 1
            finding = int(rng.random() < 0.4)
            logit = rng.gauss(2.2 if finding else -2.2, 1.3)
            cid = f"C{case:05d}"
            manifest.append(f"{cid},P{p:04d},{split},{finding},{sex},{age}")
            scores.append(f"{cid},{1 / (1 + math.exp(-logit)):.6f}")
    return {MANIFEST: "\n".join(manifest) + "\n", PREDICTIONS: "\n".join(scores) + "\n"}
