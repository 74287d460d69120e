"""Generate the example deployment's production log, deterministically (byte for byte).

Run ``python specs/data/production/generate.py``. Writes, next to this file:

* ``log-2026-MM.csv`` - one file per month of 2026, 1500 studies each, as exported from the
  PACS audit log on 2027-01-10: study_id, patient_id, study_time, score, flag, label,
  label_time, override, sex, age, site. Labels become final 30-60 days after the study;
  a label not yet final on the export date is empty (with its label_time);
* ``reference-scores.csv`` - 2000 scores drawn from the evaluated (pre-deployment) model,
  standing in for the evaluation's exported test-split scores (score, label, sex, age, site).

Ground truth (what `fairgov monitor specs` must find):

* months 1-7: composition as in ``intended_population``; TPR about 0.89 at north/central and
  0.80 at river (the noisier mobile unit), a TPR gap below 0.10 within sampling noise;
* from month 8 (August): the river site's mobile unit degrades further (its positives'
  scores drop and its negatives' scores rise: river TPR about 0.35) and the share of patients aged 80+ rises from 0.15
  to 0.28. The composition trigger alerts in August, the score-shift trigger at river in
  August, the TPR-gap trigger (two consecutive months) in September;
* with a 60-day label delay, November and December 2026 are still "labels pending" on the
  export date.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20261201
PER_MONTH = 1500
EXPORT = np.datetime64("2027-01-10T00:00:00")
DRIFT_MONTH = 8
THRESHOLD = 0.1927
SITES = np.array(["north", "central", "river"])
BANDS = ((18, 40), (40, 60), (60, 80), (80, 96))
BAND_SHARE = np.array([0.22, 0.30, 0.33, 0.15])
BAND_SHARE_DRIFT = np.array([0.22, 0.30, 0.33, 0.0]) * (0.72 / 0.85) + np.array([0, 0, 0, 0.28])
SEPARATION = {"north": 2.3, "central": 2.3, "river": 1.9}
RIVER_DRIFT = 0.5  # separation of the degraded mobile unit
RIVER_DRIFT_BASE = -2.0  # its noisier images also score higher when negative
HEADER = ["study_id", "patient_id", "study_time", "score", "flag", "label", "label_time", "override", "sex", "age", "site"]


def _ages(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    band = rng.choice(4, size=n, p=shares)
    lows = np.array([b[0] for b in BANDS])[band]
    highs = np.array([b[1] for b in BANDS])[band]
    return (lows + np.floor(rng.random(n) * (highs - lows))).astype(int)


def prevalence(age: np.ndarray) -> np.ndarray:
    return 0.20 + 0.25 * np.clip((age - 40) / 50, 0.0, 1.0)


def scores(rng: np.random.Generator, site: np.ndarray, label: np.ndarray, drifted: bool) -> np.ndarray:
    sep = np.zeros(site.size)
    for name, value in SEPARATION.items():
        sep[site == name] = RIVER_DRIFT if drifted and name == "river" else value
    base = np.where((site == "river") & drifted, RIVER_DRIFT_BASE, -2.5)
    logit = base + sep * label + rng.standard_normal(label.size)
    return 1 / (1 + np.exp(-logit))


def population(rng: np.random.Generator, n: int, drifted: bool) -> dict[str, np.ndarray]:
    sex = np.where(rng.random(n) < 0.52, "F", "M")
    site = SITES[rng.choice(3, size=n, p=[0.4, 0.4, 0.2])]
    age = _ages(rng, n, BAND_SHARE_DRIFT if drifted else BAND_SHARE)
    label = (rng.random(n) < prevalence(age)).astype(int)
    return {"sex": sex, "site": site, "age": age, "label": label, "score": scores(rng, site, label, drifted)}


def month_rows(rng: np.random.Generator, month: int) -> list[list[str]]:
    pop = population(rng, PER_MONTH, month >= DRIFT_MONTH)
    start = np.datetime64(f"2026-{month:02d}-01T00:00:00")
    end = np.datetime64(f"2026-{month + 1:02d}-01T00:00:00") if month < 12 else np.datetime64("2027-01-01T00:00:00")
    span = int((end - start) / np.timedelta64(1, "s"))
    study = start + np.sort(rng.integers(0, span, PER_MONTH)).astype("timedelta64[s]")
    label_at = study + (rng.integers(30 * 86400, 60 * 86400, PER_MONTH)).astype("timedelta64[s]")
    flag = (pop["score"] >= THRESHOLD).astype(int)
    wrong = flag != pop["label"]
    override = np.where(wrong, rng.random(PER_MONTH) < 0.6, rng.random(PER_MONTH) < 0.03).astype(int)
    patients = rng.integers(0, 1200, PER_MONTH)  # some patients have two studies in a month
    rows = []
    for i in range(PER_MONTH):
        final = label_at[i] <= EXPORT
        rows.append([
            f"S{month:02d}{i:05d}", f"P{month:02d}{patients[i]:04d}", str(study[i]), f"{pop['score'][i]:.6f}",
            str(flag[i]), str(pop["label"][i]) if final else "", str(label_at[i]) if final else "",
            str(override[i]), str(pop["sex"][i]), str(pop["age"][i]), str(pop["site"][i]),
        ])
    return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    rng = np.random.Generator(np.random.PCG64(SEED))
    for month in range(1, 13):
        _write(HERE / f"log-2026-{month:02d}.csv", HEADER, month_rows(rng, month))
    ref = population(rng, 2000, drifted=False)
    rows = [[f"{ref['score'][i]:.6f}", str(ref["label"][i]), str(ref["sex"][i]), str(ref["age"][i]), str(ref["site"][i])]
            for i in range(2000)]
    _write(HERE / "reference-scores.csv", ["score", "label", "sex", "age", "site"], rows)


if __name__ == "__main__":
    main()
