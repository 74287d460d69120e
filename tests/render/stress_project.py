"""A stress project for the layout audit: the fixture project with the widths a real network
brings, generated (never committed): eight acquiring sites with long names, long sex labels,
all fourteen metrics of the evaluation, reports in Spanish and French.

    make_stress_project(dest) -> dest

Deterministic (seeded); small enough to build in a few seconds (bootstrap resamples cut down).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml
from render_helpers import copy_fixture

from fairgov.spec.evaluation import METRIC_NAMES

#: raw site code -> group label: long names, one with a hyphenated word and one single long word
SITES = {
    "s1": "St. Example General Hospital, Northern Campus Radiology",
    "s2": "Central Teaching Hospital Department of Diagnostic Imaging",
    "s3": "Riverside Community Mobile Radiography Unit",
    "s4": "Hillcrest Regional Emergency Department",
    "s5": "Lakeshore Paediatric-and-Adult Outpatient Clinic",
    "s6": "Northumberland Satellite Imaging Centre",
    "s7": "Valley Care Homes Outreach Service",
    "s8": "University Hospital Interventional Radiology Suite",
}
SEX = {"F": "female (as registered)", "M": "male (as registered)"}
#: the share of each site in the manifest (and in the deployment's intended population)
SHARES = (0.18, 0.18, 0.08, 0.14, 0.12, 0.10, 0.08, 0.12)


def _data(folder: Path, n: int = 2400, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    codes = list(SITES)
    site = rng.choice(codes, size=n, p=SHARES)
    older = np.isin(site, ["s3", "s7"])
    age = np.where(older, rng.integers(70, 96, n), rng.integers(18, 90, n))
    sex = rng.choice(list(SEX), size=n)
    finding = (rng.random(n) < 0.35).astype(int)
    split = rng.choice(["train", "validation", "test"], size=n, p=[0.3, 0.2, 0.5])
    noise = np.where(older, 2.2, 0.9)
    score = 1 / (1 + np.exp(-((2 * finding - 1) * 1.6 + rng.normal(0, 1, n) * noise)))
    with open(folder / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["image", "patient_id", "split", "finding", "sex", "age", "site"])
        for i in range(n):
            w.writerow(
                [f"images/{i:04d}.png", f"P{i:04d}", split[i], finding[i], sex[i], age[i], site[i]]
            )
    with open(folder / "predictions.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["image", "score"])
        for i in range(n):
            w.writerow([f"images/{i:04d}.png", f"{score[i]:.6f}"])


def _edit(path: Path, change) -> None:  # noqa: ANN001
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )


def make_stress_project(dest: Path) -> Path:
    copy_fixture(dest)
    _data(dest / "data")

    def datasheet(doc: dict) -> None:
        doc["attributes"]["site"]["values"] = dict(SITES)
        doc["attributes"]["sex"]["values"] = dict(SEX)

    def deployment(doc: dict) -> None:
        dist = doc["intended_population"]["distribution"]
        dist["site"] = {label: share for label, share in zip(SITES.values(), SHARES, strict=True)}
        dist["sex"] = {SEX["F"]: 0.52, SEX["M"]: 0.48}

    def evaluation(doc: dict) -> None:
        doc["metrics"] = list(METRIC_NAMES)
        doc["bootstrap"]["resamples"] = 200
        doc["bootstrap"]["permutations"] = 100

    _edit(dest / "datasheet.yaml", datasheet)
    _edit(dest / "deployment.yaml", deployment)
    _edit(dest / "evaluation.yaml", evaluation)
    return dest
