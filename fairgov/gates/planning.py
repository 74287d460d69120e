"""Sample-size planning for metric gates, by simulation through the real engine.

For one attribute with declared group shares, a *fair* model gives every group the same
AUROC and calibrated scores; the *gap* model plants ``gap`` in the metric each gate checks,
in the smallest group (``PLANTED``): AUROC lower by ``gap`` (auroc, average precision and the
metrics without a planting of their own); TPR lower by ``gap`` at the threshold (tpr, fnr,
equal opportunity, equalized odds; a log-odds offset of that group's scores, closed form); FPR
higher by ``gap`` (fpr, tnr); ECE higher by ``gap`` (ece, brier, calibration in the large; an
offset found by bisection on the true ECE). Gates whose metrics plant the same way share the
simulated unfair data sets. At each size
(patients in the smallest group, doubling from ``start``), ``seeds`` data sets of each
model are simulated (``fairgov.metrics.simulate``), measured by ``measure`` with the
evaluation's bootstrap settings and judged by the gate's own code (``apply_metric_gate``).
P(pass | fair) and P(fail | gap) are the shares of seeds; a gate's required size is the
first size where the share reaches ``power``. The same simulated data serve every gate on
the attribute. Holm adjustment across gates is not simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairgov.gates.metric_gates import apply_metric_gate
from fairgov.gates.outcome import GateResult
from fairgov.metrics import BootstrapConfig, MinEvidence, measure
from fairgov.metrics.simulate import (
    Scenario,
    offset_for_ece,
    offset_for_rate,
    simulate,
    true_ece,
    true_rate,
    with_offset,
)
from fairgov.results import Measure
from fairgov.vocabulary import AGGREGATE_PARTS

ODDS = AGGREGATE_PARTS


@dataclass(frozen=True)
class PlanSettings:
    prevalence: float = 0.3
    auroc: float = 0.85
    gap: float = 0.1
    power: float = 0.8
    seeds: int = 20
    start: int = 50
    max_patients: int = 6400
    images: int = 2
    threshold: float = 0.5
    bootstrap: BootstrapConfig = field(default_factory=lambda: BootstrapConfig(resamples=200))
    min_evidence: MinEvidence = field(default_factory=lambda: MinEvidence(0, 10, 10))


@dataclass
class GatePlan:
    gate: str
    attribute: str
    rows: list[dict[str, float]] = field(default_factory=list)  # size, p_pass_fair, p_fail_gap
    planted: str = "auroc"  # where the gap model plants the gap (``PLANTED``)

    def needed(self, key: str, power: float) -> int | None:
        return next((int(r["patients"]) for r in self.rows if r[key] >= power), None)


def _metrics(gates: Sequence[Any]) -> list[str]:
    out: set[str] = set()
    for g in gates:
        out |= set(ODDS.get(g.metric, (g.metric,)))
    return sorted(out)


PLANTED = {"tpr": "tpr", "fnr": "tpr", "equal_opportunity": "tpr", "equalized_odds": "tpr",
           "equalized_odds_mean": "tpr", "fpr": "fpr", "tnr": "fpr", "ece": "ece", "brier": "ece",
           "calibration_in_the_large": "ece"}
"""Gate metric -> the quantity the gap model shifts in the smallest group (default: auroc)."""


def planted(metric: str) -> str:
    return PLANTED.get(metric, "auroc")


def _scenario(shares: dict[str, float], smallest: int, st: PlanSettings, gap: float,
              kind: str = "auroc") -> Scenario:
    names = tuple(shares)
    low = min(shares.values())
    patients = tuple(max(1, round(smallest * shares[n] / low)) for n in names)
    worst = names.index(min(names, key=lambda n: shares[n]))
    shifted = gap if kind == "auroc" else 0.0
    auroc = tuple(st.auroc - (shifted if i == worst else 0.0) for i in range(len(names)))
    sc = Scenario(patients, auroc, st.prevalence, st.images, slope=1.0, names=names)
    if gap == 0 or kind == "auroc":
        return sc
    return with_offset(sc, worst, _offset(sc, worst, kind, gap, st.threshold))


def _offset(sc: Scenario, g: int, kind: str, gap: float, threshold: float) -> float:
    if kind == "ece":
        return offset_for_ece(sc, g, true_ece(sc, g, n=200_000) + gap)
    sign = -1.0 if kind == "tpr" else 1.0  # TPR lower, FPR higher by `gap`
    return offset_for_rate(sc, g, kind, threshold, true_rate(sc, g, kind, threshold) + sign * gap)


def _outcome(gate: Any, attribute: str, measured: Measure) -> str:
    base = GateResult(
        id=gate.id,
        gate=gate.id,
        policy="",
        type="metric",
        title="",
        severity="block",
        outcome="inconclusive",
    )
    return apply_metric_gate(gate, base, measured, None).outcome


def _measure(
    sc: Scenario, seed: int, attribute: str, metrics: list[str], st: PlanSettings
) -> Measure:
    d = simulate(sc, seed)
    cfg = BootstrapConfig(
        resamples=st.bootstrap.resamples,
        level=st.bootstrap.level,
        seed=seed,
        interval=st.bootstrap.interval,
    )
    return measure(
        d["labels"],
        d["scores"],
        d["clusters"],
        {attribute: d["group"]},
        st.threshold,
        metrics=metrics,
        bootstrap=cfg,
        min_evidence=st.min_evidence,
        permutations=0,
    ).typed()


def plan_attribute(
    attribute: str, shares: dict[str, float], gates: Sequence[Any], st: PlanSettings
) -> list[GatePlan]:
    """Operating characteristics of every gate on ``attribute`` over doubling sizes."""
    plans = [GatePlan(g.id, attribute, planted=planted(g.metric)) for g in gates]
    metrics = _metrics(gates)
    kinds = sorted({planted(g.metric) for g in gates})
    size = st.start
    while size <= st.max_patients:
        counts = np.zeros((len(gates), 2))
        for seed in range(st.seeds):
            fair = _measure(_scenario(shares, size, st, 0.0), seed, attribute, metrics, st)
            unfair = {
                k: _measure(
                    _scenario(shares, size, st, st.gap, k), 10_000 + seed, attribute, metrics, st
                )
                for k in kinds
            }
            for i, g in enumerate(gates):
                counts[i, 0] += _outcome(g, attribute, fair) == "pass"
                counts[i, 1] += _outcome(g, attribute, unfair[planted(g.metric)]) == "fail"
        for plan, (p, f) in zip(plans, counts / st.seeds, strict=True):
            plan.rows.append({"patients": size, "p_pass_fair": float(p), "p_fail_gap": float(f)})
        if all(
            p.needed("p_pass_fair", st.power) and p.needed("p_fail_gap", st.power) for p in plans
        ):
            break
        size *= 2
    return plans


@dataclass(frozen=True)
class Declared:
    """A declared test split: patients per group of one attribute, the patients' prevalence and
    images per patient (what ``fair_upper_at`` simulates)."""

    patients: dict[str, int]
    prevalence: float
    images: int


FEASIBILITY_AUROC = 0.85
"""AUROC of every group in the simulated fair model of ``fair_upper_at``."""


def fair_upper_at(
    declared: Declared, metrics: list[str], st: PlanSettings
) -> dict[str, list[float] | None]:
    """Quantiles (``simultaneous.OC_QUANTILES``) of the simultaneous upper gap bound of each
    metric for a truly fair model at the declared sizes: one simulated data set measured with
    the evaluation's settings (``fair_upper`` of its gap aggregates); None where not formed."""
    names = tuple(declared.patients)
    sc = Scenario(
        tuple(declared.patients.values()),
        (FEASIBILITY_AUROC,) * len(names),
        min(max(declared.prevalence, 0.02), 0.98),
        max(1, min(declared.images, 8)),
        slope=1.0,
        names=names,
    )
    measured = _measure(sc, st.bootstrap.seed, "a", _metrics_of(metrics), st)
    aggs = measured.attributes["a"].aggregates
    out: dict[str, list[float] | None] = {}
    for m in metrics:
        agg = aggs.get(m)
        gap = agg.get("gap") if isinstance(agg, dict) else agg
        q = None if gap is None else gap.fair_upper
        out[m] = (
            None if not q or any(x is None for x in q) else [float(x) for x in q if x is not None]
        )
    return out


def _metrics_of(metrics: list[str]) -> list[str]:
    return sorted({p for m in metrics for p in ODDS.get(m, (m,))})
