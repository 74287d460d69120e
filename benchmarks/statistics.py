"""Validation study of fairgov's intervals and gap gates on planted binormal data.

Patients carry one label and two images each (within-patient correlation 0.5); scores are
miscalibrated (slope 0.8) so the true ECE is not 0. For each scenario, every interval method
side by side (percentile, bca, normal, studentized), over many seeds:

Scenarios: fair2 / fair3 (2 or 3 groups, AUROC 0.8 each), gap10 (AUROC 0.85 vs 0.75),
small (n/3 patients per group, AUROC 0.9 each), large (7n per group, fair: can the gate pass?),
n50 / n100 (50 or 100 patients per group, fair), fair4 (4 groups, fair: max-t vs Holm),
gap3 (3 groups, one with AUROC 0.10 lower: power of the max-t, Holm and vs-rest gates).

* coverage of 95% intervals: per-group AUROC, TPR and PPV, signed AUROC difference, max-min AUROC
gap,
  per-group ECE plug-in and debiased, each group's AUROC and TPR minus the rest (marginal;
  and the whole family at once with the simultaneous intervals) (target 0.93-0.97);
* mean error of the plug-in and the debiased ECE against the true ECE;
* the gate "AUROC gap <= 0.05": false-fail rate with no true gap (target <= 0.05), pass
  rate, and power (fail rate) at a true gap of 0.10;
* the same gate under the point-estimate fail rule used before results schema 1.1, under
  `multiplicity: holm` (per-pair tests) and the gate "every group's AUROC minus the rest
  >= -0.05" (`group: each, reference: rest`);
* the permutation test's rejection rate at 5% with no gap (nominal 0.05), from a separate
  permutation-only study over ``--perm-seeds`` seeds, with its Clopper-Pearson interval.

Monte-Carlo error: a rate near 0.95 over S seeds has sd sqrt(0.95 * 0.05 / S) (printed).
The measured coverage per method, and the default chosen from it, are in the README
("Intervals").

Usage: python benchmarks/statistics.py [--seeds 200] [--patients 300] [--resamples 500]
       [--methods percentile,bca,normal,studentized]
       [--scenarios fair2,fair3,gap10,small,large,n50,n100,fair4,gap3]
       [--perm-seeds 1000]
The last line is one JSON object of named figures ("<method>.<scenario>.<figure>").
"""

from __future__ import annotations

import argparse
import json
import math
import time

from scipy.stats import binomtest

from fairgov.gates.study import Settings, study
from fairgov.metrics.simulate import Scenario

LIMIT = 0.05
FIGURES = (
    "auroc_cover",
    "tpr_cover",
    "ppv_cover",
    "diff_cover",
    "gap_cover",
    "ece_cover",
    "ece_debiased_cover",
    "ece_plugin_error",
    "ece_debiased_error",
    "gate_pass",
    "gate_fail",
    "gate_fail_point_rule",
    "holm_pass",
    "holm_fail",
    "auroc_rest_cover",
    "auroc_rest_family_cover",
    "tpr_rest_cover",
    "rest_gate_fail",
    "perm_reject",
)


def scenarios(n: int) -> dict[str, Scenario]:
    return {
        "fair2": Scenario((n, n), (0.8, 0.8)),
        "fair3": Scenario((n, n, n), (0.8, 0.8, 0.8)),
        "gap10": Scenario((n, n), (0.85, 0.75)),
        "small": Scenario((n // 3, n // 3), (0.9, 0.9)),
        "large": Scenario((7 * n, 7 * n), (0.8, 0.8)),
        "n50": Scenario((50, 50), (0.8, 0.8)),
        "n100": Scenario((100, 100), (0.8, 0.8)),
        "fair4": Scenario((n, n, n, n), (0.8, 0.8, 0.8, 0.8)),
        "gap3": Scenario((n, n, n), (0.85, 0.85, 0.75)),
    }


def _mc_error(rate: float, trials: int) -> float:
    """Monte-Carlo standard error of a rate from ``trials`` independent 0/1 trials."""
    return math.sqrt(max(rate * (1 - rate), 1e-12) / max(trials, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--patients", type=int, default=300, help="patients per group")
    ap.add_argument("--resamples", type=int, default=500)
    ap.add_argument("--permutations", type=int, default=200)
    ap.add_argument("--methods", default="percentile,bca,normal,studentized")
    ap.add_argument("--scenarios", default="fair2,fair3,gap10,small,large,n50,n100,fair4,gap3")
    ap.add_argument(
        "--perm-seeds",
        type=int,
        default=1000,
        help="seeds of the permutation-level check (0: skip)",
    )
    args = ap.parse_args()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    methods = args.methods.split(",")
    print(
        f"{args.seeds} seeds, {args.patients} patients per group x 2 images, "
        f"{args.resamples} resamples; gate: AUROC gap <= {LIMIT}; Monte-Carlo sd of a "
        f"rate near 0.95 over {args.seeds} trials: {_mc_error(0.95, args.seeds):.3f} "
        "(coverage figures average several intervals per trial)"
    )
    for name, sc in scenarios(args.patients).items():
        if name not in args.scenarios.split(","):
            continue
        res = {}
        for method in methods:
            res[method] = study(sc, range(args.seeds), Settings(method, args.resamples, 0), LIMIT)
            out.update(
                {
                    f"{method}.{name}.{k}": round(v, 4)
                    for k, v in res[method].items()
                    if k != "perm_reject"
                }
            )
        print(f"\n{name}: {sc.patients} patients, AUROC {sc.auroc}")
        print(f"  {'figure':<26}" + "".join(f"{m:>13}" for m in methods))
        for f in FIGURES:
            if f == "perm_reject" or all(f not in r for r in res.values()):
                continue
            print(f"  {f:<26}" + "".join(f"{res[m].get(f, float('nan')):>13.3f}" for m in methods))
    if args.perm_seeds:  # permutation level alone: no bootstrap, many more seeds
        for name in ("fair2", "small"):
            sc = scenarios(args.patients)[name]
            seeds = range(10_000, 10_000 + args.perm_seeds)
            res1 = study(sc, seeds, Settings("bca", 0, args.permutations), LIMIT)
            k = round(res1["perm_reject"] * args.perm_seeds)
            ci = binomtest(k, args.perm_seeds).proportion_ci(0.95, method="exact")
            print(
                f"permutation test (patient-level group labels), {name}, no gap, "
                f"{args.perm_seeds} seeds x {args.permutations} permutations: rejects "
                f"{k}/{args.perm_seeds} = {res1['perm_reject']:.3f} at 5% "
                f"(95% Clopper-Pearson {ci.low:.3f}-{ci.high:.3f})"
            )
            out[f"permutation.{name}.perm_reject"] = round(res1["perm_reject"], 4)
            out[f"permutation.{name}.perm_reject_low"] = round(ci.low, 4)
            out[f"permutation.{name}.perm_reject_high"] = round(ci.high, 4)
    out["seeds"] = args.seeds
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
