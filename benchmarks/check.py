"""Warm `fairgov check` on the example: wall time and peak memory against references.

Run: .venv/bin/python benchmarks/check.py [--build]
On a copy of specs/ in a temporary folder, each run is a fresh process (as a pre-commit
hook or CI step runs it): a cold check (empty cache: embeds 800 images, fits the probe,
bootstraps), then warm checks with nothing changed (best of 5), a bare `python -c pass` and
`python -c "import fairgov.cli.commands._buildargs"` (the imports every check pays) as
floors. Peak RSS is read inside each child (getrusage). `--build` also times one cold
`fairgov build` (with reports).
The last line is one JSON object; targets: warm < 1.5 s, < 250 MB, no torch imported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, runpy, sys
argv = sys.argv[1:]
code = 0
if argv:
    sys.argv = ["fairgov", *argv]
    try:
        runpy.run_module("fairgov", run_name="__main__")
    except SystemExit as exit_:
        code = exit_.code
heavy = sorted(m for m in ("torch", "timm", "torchvision") if m in sys.modules)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rc": code, "peak_mb": peak_mb, "heavy": heavy}))
"""


def run(args: list[str], prelude: str = "") -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", prelude + CHILD, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t0
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**out, "wall_s": wall}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--build", action="store_true", help="also time one cold `fairgov build` (reports)"
    )
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        specs = Path(tmp) / "specs"
        shutil.copytree(REPO / "specs", specs, ignore=shutil.ignore_patterns(".fairgov", "build"))
        check = ["check", str(specs), "--out", str(Path(tmp) / "out"), "--format", "json"]
        cold = run(check)
        warm_runs = [run(check) for _ in range(5)]
        bare = min((run([], "") for _ in range(3)), key=lambda r: r["wall_s"])
        floor = min(
            (run([], "import fairgov.cli.commands._buildargs\n") for _ in range(3)),
            key=lambda r: r["wall_s"],
        )
        stats = json.loads((Path(tmp) / "out/run-stats.json").read_text())
        build = None
        if opts.build:
            shutil.rmtree(specs / ".fairgov")
            build = run(
                ["build", str(specs), "--out", str(Path(tmp) / "built"), "--format", "json"]
            )
    warm = min(warm_runs, key=lambda r: r["wall_s"])
    median = sorted(r["wall_s"] for r in warm_runs)[len(warm_runs) // 2]
    stages = {ref: s.get("stages") for ref, s in stats.items() if ref != "hash_index"}
    print(f"cold check {cold['wall_s']:.2f} s, {cold['peak_mb']:.0f} MB, imported {cold['heavy']}")
    print(
        f"warm check {warm['wall_s']:.2f} s (median {median:.2f}), {warm['peak_mb']:.0f} MB, "
        f"imported {warm['heavy']}; "
        f"{warm['wall_s'] / cold['wall_s']:.3f} of cold; {warm['wall_s'] / bare['wall_s']:.1f}x "
        "bare python "
        f"({bare['wall_s']:.3f} s); {warm['wall_s'] / floor['wall_s']:.2f}x the import floor "
        f"({floor['wall_s']:.2f} s)"
    )
    print(f"stages: {json.dumps(stages)}; hash index: {stats.get('hash_index')}")
    if build:
        print(f"cold build (reports) {build['wall_s']:.1f} s, {build['peak_mb']:.0f} MB")
    print(
        json.dumps(
            {
                "warm_s": round(warm["wall_s"], 3),
                "warm_median_s": round(median, 3),
                "warm_peak_mb": round(warm["peak_mb"], 1),
                "warm_heavy_imports": warm["heavy"],
                "cold_s": round(cold["wall_s"], 3),
                "cold_peak_mb": round(cold["peak_mb"], 1),
                "warm_ratio_to_cold": round(warm["wall_s"] / cold["wall_s"], 4),
                "warm_ratio_to_bare_python": round(warm["wall_s"] / bare["wall_s"], 2),
                "warm_ratio_to_import_floor": round(warm["wall_s"] / floor["wall_s"], 3),
                "cold_build_s": round(build["wall_s"], 2) if build else None,
            }
        )
    )


if __name__ == "__main__":
    main()
