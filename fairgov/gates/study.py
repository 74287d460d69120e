"""Operating characteristics by simulation: planted data through ``measure`` and the gate rule.

One *trial* simulates a ``Scenario`` (``fairgov.metrics.simulate``), measures it exactly as
an evaluation would (cluster bootstrap, permutation test, the configured interval method)
and records, against the planted truth: whether the intervals of each group's AUROC and
ECE (plug-in and debiased), the signed AUROC difference of the first two groups, each group's
AUROC and TPR minus the rest (marginal, and all groups together with the simultaneous
intervals), and the max-min AUROC gap cover the truth; the permutation p-value of no gap; the
outcome of a gap gate ``auroc gap <= limit`` under the gate rule of ``compare.decide`` and
under ``multiplicity: holm`` (``pairwise``), and of ``auroc difference, group: each,
reference: rest >= -limit``. ``study`` turns many trials into rates. Used by the test suite,
``benchmarks/statistics.py`` and ``fairgov plan``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fairgov.gates.compare import decide
from fairgov.gates.pairwise import holm_decision
from fairgov.metrics import BootstrapConfig, MinEvidence, measure
from fairgov.metrics.simulate import Scenario, simulate, true_ece, true_rate, true_versus_rest
from fairgov.results.model import Difference


@dataclass(frozen=True)
class Settings:
    interval: str = "bca"
    resamples: int = 500
    permutations: int = 200
    level: float = 0.95
    threshold: float = 0.5


def measured(sc: Scenario, seed: int, st: Settings, metrics: list[str]) -> dict[str, Any]:
    d = simulate(sc, seed)
    cfg = BootstrapConfig(resamples=st.resamples, level=st.level, seed=seed, interval=st.interval)
    return measure(
        d["labels"],
        d["scores"],
        d["clusters"],
        {"group": d["group"]},
        st.threshold,
        metrics=metrics,
        bootstrap=cfg,
        min_evidence=MinEvidence(0, 10, 10),
        permutations=st.permutations,
        versus_rest=True,
    ).to_dict()["attributes"]["group"]


def _covers(cell: dict[str, Any], truth: float) -> bool:
    lo, hi = cell.get("ci_low"), cell.get("ci_high")
    return lo is not None and hi is not None and lo - 1e-12 <= truth <= hi + 1e-12


def _versus_rest(
    out: dict[str, float], a: dict[str, Any], sc: Scenario, st: Settings, limit: float
) -> None:
    """Coverage of each group minus the rest (AUROC, TPR) and the `group: each` rest gate."""
    labels = sc.labels
    for metric in ("auroc", "tpr"):
        rows = {d["group"]: d for d in a["aggregates"][metric]["gap"].get("versus_rest") or []}
        if len(rows) != len(labels) or any(r["sim_low"] is None for r in rows.values()):
            continue  # no resamples (a permutation-only study): no intervals to check
        truth = [true_versus_rest(sc, i, metric, st.threshold) for i in range(len(labels))]
        out[f"{metric}_rest_cover"] = float(
            np.mean([_covers(rows[g], t) for g, t in zip(labels, truth, strict=True)])
        )
        out[f"{metric}_rest_family_cover"] = float(
            all(
                rows[g]["sim_low"] - 1e-12 <= t <= rows[g]["sim_high"] + 1e-12
                for g, t in zip(labels, truth, strict=True)
            )
        )
        if metric == "auroc":
            low = min(rows[g]["sim_low"] for g in labels)
            high = min(rows[g]["sim_high"] for g in labels)
            value = min(rows[g]["value"] for g in labels)
            out["rest_gate_fail"] = float(
                decide(value, low, high, ">=", -limit, "conservative").outcome == "fail"
            )


def _holm(out: dict[str, float], gap: dict[str, Any], st: Settings, limit: float) -> None:
    diffs = [Difference.model_validate(d) for d in gap.get("differences") or []]
    if diffs:
        outcome = holm_decision(diffs, limit, st.level)[0]
        out["holm_pass"], out["holm_fail"] = float(outcome == "pass"), float(outcome == "fail")


def trial(sc: Scenario, seed: int, st: Settings, limit: float) -> dict[str, float]:
    a = measured(sc, seed, st, ["auroc", "tpr", "ppv", "ece"])
    labels = sc.labels
    out: dict[str, float] = {}
    groups = [a["groups"][g]["metrics"] for g in labels]
    out["auroc_cover"] = float(
        np.mean([_covers(m["auroc"], sc.auroc[i]) for i, m in enumerate(groups)])
    )
    tprs = [true_rate(sc, i, "tpr", st.threshold) for i in range(len(labels))]
    out["tpr_cover"] = float(np.mean([_covers(m["tpr"], tprs[i]) for i, m in enumerate(groups)]))
    fprs = [true_rate(sc, i, "fpr", st.threshold) for i in range(len(labels))]
    p = sc.prevalence
    ppvs = [p * t / (p * t + (1 - p) * f) for t, f in zip(tprs, fprs, strict=True)]
    out["ppv_cover"] = float(np.mean([_covers(m["ppv"], ppvs[i]) for i, m in enumerate(groups)]))
    eces = [true_ece(sc, i) for i in range(len(labels))]
    out["ece_cover"] = float(np.mean([_covers(m["ece"], eces[i]) for i, m in enumerate(groups)]))
    out["ece_plugin_error"] = float(
        np.mean([m["ece"]["value"] - eces[i] for i, m in enumerate(groups)])
    )
    deb = [m["ece"]["debiased"] for m in groups]
    out["ece_debiased_error"] = float(np.mean([x["value"] - eces[i] for i, x in enumerate(deb)]))
    out["ece_debiased_cover"] = float(np.mean([_covers(x, eces[i]) for i, x in enumerate(deb)]))
    gap = a["aggregates"]["auroc"]["gap"]
    true_gap = max(sc.auroc) - min(sc.auroc)
    out["gap_cover"] = float(_covers(gap, true_gap))
    out["gap_error"] = gap["value"] - true_gap
    diffs = gap.get("differences") or []
    first = next((x for x in diffs if {x["group"], x["reference"]} == {labels[0], labels[1]}), None)
    if first is not None:
        sign = 1.0 if first["group"] == labels[0] else -1.0
        out["diff_cover"] = float(_covers(first, sign * (sc.auroc[0] - sc.auroc[1])))
    outcome = decide(gap["value"], gap["ci_low"], gap["ci_high"], "<=", limit, "conservative")
    out["gate_pass"] = float(outcome.outcome == "pass")
    out["gate_fail"] = float(outcome.outcome == "fail")
    out["gate_fail_point_rule"] = float(gap["value"] > limit)  # the rule before schema 1.1
    _holm(out, gap, st, limit)
    _versus_rest(out, a, sc, st, limit)
    p = gap.get("p_value")
    out["perm_reject"] = float(p is not None and p < 1 - st.level)
    return out


def study(sc: Scenario, seeds: range, st: Settings, limit: float) -> dict[str, float]:
    """Mean of every trial figure over ``seeds`` (rates for the 0/1 figures)."""
    rows = [trial(sc, s, st, limit) for s in seeds]
    keys = sorted({k for r in rows for k in r})
    return {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in keys}
