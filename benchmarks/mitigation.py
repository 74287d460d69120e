"""Seconds per mitigation variant relative to one plain probe fit, on cached embeddings.

Synthetic, seeded "cached embeddings" (float32, generated in-process): ``--n`` train rows and
``--n-val`` validation rows of dimension ``--dim`` from four sites of very unequal size; the
label signal points in a site-specific direction and the smallest site is shifted, so the
variants have something to correct. Every probe fit uses the same single C (``--C``, the
grid ``(C,)``) through the production code path (``linear_probe`` / ``fit_probe_variant``:
standardisation, fit, validation AUROC). Timed, in one process:

- ``plain``: ``linear_probe`` (the reference, ratio 1);
- ``reweight``, ``resample``, ``group_dro``: ``fit_probe_variant`` with ``by`` = site;
- ``group_thresholds``: ``fit_group_thresholds`` on the plain probe's validation scores
  (equal opportunity, randomised, and target sensitivity 0.85) plus flagging the validation
  rows, against the same plain fit.

Targets: reweight / DRO <= 3x the plain fit, post-processing <= 0.1x.

Usage: python benchmarks/mitigation.py [--n 100000 --n-val 20000 --dim 768] [--grid]
Ends with one JSON line: {"n": ..., "dim": ..., "plain_s": ..., "reweight_ratio": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fairgov.evaluate.config import ProbeConfig  # noqa: E402
from fairgov.evaluate.probe import auroc, linear_probe  # noqa: E402
from fairgov.mitigate import fit_group_thresholds, fit_probe_variant  # noqa: E402

T = TypeVar("T")
SITES = np.array(["s0", "s1", "s2", "s3"])
SHARES = np.array([0.55, 0.25, 0.15, 0.05])


def synthetic(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X float32, y, site) with a site-specific label direction and a shifted small site."""
    rng = np.random.default_rng(seed)
    site_i = rng.choice(len(SITES), n, p=SHARES)
    y = (rng.random(n) < 0.3).astype(np.int64)
    base = np.random.default_rng(1000).standard_normal((len(SITES) + 1, dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    shared, own = base[0], base[1:]
    strength = np.array([1.2, 1.0, 0.9, 0.8], dtype=np.float32)
    X = rng.standard_normal((n, dim), dtype=np.float32)
    signs = (2 * y - 1).astype(np.float32)
    X += (signs * strength[site_i])[:, None] * (0.5 * shared + own[site_i])
    X[site_i == 3] += 1.5 * own[3] + 0.5 * shared
    return X, y, SITES[site_i]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--n-val", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=768)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument(
        "--grid", action="store_true", help="fit every probe on the default C grid instead of --C"
    )
    args = ap.parse_args()
    X, y, g = synthetic(args.n, args.dim, 0)
    Xv, yv, gv = synthetic(args.n_val, args.dim, 1)
    cfg = ProbeConfig() if args.grid else ProbeConfig(Cs=(args.C,))
    empty = np.zeros((0, args.dim), dtype=np.float32)

    plain, plain_s = timed(lambda: linear_probe(X, y, Xv, yv, empty, cfg))
    print(f"plain probe fit: {plain_s:.2f} s (n={args.n}, dim={args.dim}, Cs={cfg.Cs})")
    figures: dict[str, object] = {"n": args.n, "n_val": args.n_val, "dim": args.dim}
    figures["Cs"] = list(cfg.Cs)
    figures["plain_s"] = round(plain_s, 3)
    worst = {}

    def worst_group_auroc(scores: np.ndarray) -> float:
        return min(auroc(yv[gv == s], scores[gv == s]) for s in SITES)

    worst["plain"] = worst_group_auroc(plain.scores_val)
    variants = {
        "reweight": {"type": "reweight", "with_label": False},
        "resample": {"type": "resample", "with_label": False, "seed": 0},
        "group_dro": {"type": "group_dro", "step_size": 0.01},
    }
    for name, mitigation in variants.items():
        res, secs = timed(partial(fit_probe_variant, mitigation, X, y, g, Xv, yv, empty, cfg))
        worst[name] = worst_group_auroc(res.scores_val)
        figures[f"{name}_s"] = round(secs, 3)
        figures[f"{name}_ratio"] = round(secs / plain_s, 3)
        print(f"{name:>16}: {secs:8.2f} s  {secs / plain_s:6.2f}x plain")

    def post() -> int:
        eo = fit_group_thresholds(plain.scores_val, yv, gv, "equal_opportunity", randomized=True)
        ts = fit_group_thresholds(plain.scores_val, yv, gv, "target_sensitivity", value=0.85)
        return int(eo.flags(plain.scores_val, gv).sum() + ts.flags(plain.scores_val, gv).sum())

    _, secs = timed(post)
    figures["group_thresholds_s"] = round(secs, 4)
    figures["group_thresholds_ratio"] = round(secs / plain_s, 4)
    print(f"{'group_thresholds':>16}: {secs:8.3f} s  {secs / plain_s:6.3f}x plain")
    print("worst-site validation AUROC: " + ", ".join(f"{k} {v:.3f}" for k, v in worst.items()))
    figures.update({f"worst_site_auroc_{k}": round(v, 4) for k, v in worst.items()})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
