"""Benchmark fairgov.metrics against the fairlearn way of bootstrapping group metrics.

1. Same synthetic data (100,000 predictions from 40,000 patients, 4 groups):
   per-resample cost of fairlearn (one MetricFrame per cluster-bootstrap resample
   with roc_auc, accuracy, recall and FPR) vs fairgov ``measure`` (all 14 metrics,
   overall + groups, aggregates inside each resample). fairgov's cost includes
   its fixed overhead (layout building, point estimates, assembly).
2. Point estimates of both must agree (max abs diff printed).
3. 100,000 predictions x 32 intersectional groups x 2,000 resamples, timed.

The last line is one JSON object:
{"speedup_vs_fairlearn": R, "max_abs_diff": D, "seconds_100k_32g_2000b": S}
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
from fairlearn.metrics import MetricFrame, false_positive_rate
from sklearn.metrics import accuracy_score, recall_score, roc_auc_score

from fairgov.metrics import BootstrapConfig, MinEvidence, measure

N, PATIENTS, THRESHOLD = 100_000, 40_000, 0.5
FAIRLEARN_RESAMPLES, FAIRGOV_RESAMPLES = 10, 200


def synthetic(n: int, patients: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    patient = rng.integers(0, patients, n)
    patient_label = rng.random(patients) < 0.25
    patient_effect = rng.normal(0, 0.5, patients)
    sex = np.array(["female", "male"])[rng.integers(0, 2, patients)]
    age = np.array(["18-39", "40-59", "60-79", "80+"])[rng.integers(0, 4, patients)]
    race = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, patients)]
    y = patient_label[patient].astype(int)
    shift = (age[patient] == "80+") * -0.3
    logit = 1.6 * y - 1.0 + patient_effect[patient] + shift + rng.normal(0, 1, n)
    score = np.round(1 / (1 + np.exp(-logit)), 4)  # rounding creates ties
    return y, score, patient, sex[patient], age[patient], race[patient]


def fairlearn_metrics():
    def acc(y, s):
        return accuracy_score(y, s >= THRESHOLD)

    def tpr(y, s):
        return recall_score(y, s >= THRESHOLD)

    def fpr(y, s):
        return false_positive_rate(y, s >= THRESHOLD)

    return {"auroc": roc_auc_score, "accuracy": acc, "tpr": tpr, "fpr": fpr}


def fairlearn_bootstrap(y, s, patient, group, resamples: int) -> float:
    """Seconds per cluster-bootstrap resample, one MetricFrame per resample."""
    rng = np.random.default_rng(1)
    ids = np.unique(patient)
    rows_of = np.split(np.argsort(patient, kind="stable"), np.cumsum(np.bincount(patient))[:-1])
    t0 = time.perf_counter()
    for _ in range(resamples):
        drawn = rng.choice(ids, ids.size, replace=True)
        idx = np.concatenate([rows_of[p] for p in drawn])
        frame = MetricFrame(
            metrics=fairlearn_metrics(), y_true=y[idx], y_pred=s[idx], sensitive_features=group[idx]
        )
        assert frame.by_group.shape[0] > 0
    return (time.perf_counter() - t0) / resamples


def main() -> None:
    warnings.simplefilter("ignore")
    y, s, patient, sex, age, race = synthetic(N, PATIENTS)
    group4 = age
    ev = MinEvidence(0, 0, 0)
    fl = fairlearn_bootstrap(y, s, patient, group4, FAIRLEARN_RESAMPLES)
    t0 = time.perf_counter()
    res = measure(
        y,
        s,
        patient,
        {"age_band": group4},
        THRESHOLD,
        bootstrap=BootstrapConfig(resamples=FAIRGOV_RESAMPLES),
        min_evidence=ev,
        permutations=0,
    )
    fg = (time.perf_counter() - t0) / FAIRGOV_RESAMPLES
    mf = MetricFrame(metrics=fairlearn_metrics(), y_true=y, y_pred=s, sensitive_features=group4)
    diff = 0.0
    for g, row in mf.by_group.iterrows():
        for m in ("auroc", "accuracy", "tpr", "fpr"):
            ours = res.attributes["age_band"].groups[g].metrics[m].value
            diff = max(diff, abs(ours - float(row[m])))
    print(f"fairlearn: {fl * 1e3:.1f} ms/resample ({FAIRLEARN_RESAMPLES} resamples)")
    print(f"fairgov:   {fg * 1e3:.2f} ms/resample ({FAIRGOV_RESAMPLES} resamples, all metrics)")
    print(f"speedup:   {fl / fg:.0f}x   point-estimate max abs diff: {diff:.2e}")

    inter = np.char.add(np.char.add(np.char.add(np.char.add(sex, "×"), age), "×"), race)
    t0 = time.perf_counter()
    res32 = measure(
        y,
        s,
        patient,
        {"sex×age_band×race": inter},
        THRESHOLD,
        bootstrap=BootstrapConfig(resamples=2000),
        min_evidence=ev,
        permutations=0,
    )
    big = time.perf_counter() - t0
    n_groups = sum(c.n > 0 for c in res32.attributes["sex×age_band×race"].groups.values())
    print(f"100k x {n_groups} groups x 2000 resamples: {big:.2f} s")
    print(
        json.dumps(
            {
                "speedup_vs_fairlearn": round(fl / fg, 1),
                "max_abs_diff": diff,
                "seconds_100k_32g_2000b": round(big, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
