"""`fairgov monitor` at scale: 10 million studies, 4 attributes, 24 monthly Parquet files.

Run: .venv/bin/python benchmarks/monitor.py [--studies N]
Generates the log with numpy + pyarrow (seeded), then runs, each as a subprocess so that
peak RSS is the monitor's own: (1) a cold full run over 24 months, (2) an incremental run
after a 25th month arrives (24 months reused from the history store). The reference is a
plain DuckDB scan of the same files in this process (count, mean score and label per
month), so the ratios say what the monitor costs beyond reading the log once. The incremental
run reads only the new file (the others' scans come from the store: files_read / files_reused). Peak
RSS counts the monitor process and its measure workers together (sum of their peaks). Targets:
full run < 60 s and < 2 GiB peak RSS, incremental < 10 s. fairgov is byte-compiled first (as
pip or a first run leaves it; this machine's PYTHONDONTWRITEBYTECODE=1 would otherwise make
every process recompile it). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
MONTHS = 24
SCANNERS = ("a", "b", "c", "d")


def month_table(rng: np.random.Generator, month: int, n: int) -> pa.Table:
    year, mon = 2025 + (month - 1) // 12, (month - 1) % 12 + 1
    start = np.datetime64(f"{year}-{mon:02d}-01T00:00:00")
    study = start + rng.integers(0, 28 * 86400, n).astype("timedelta64[s]")
    age = rng.integers(18, 96, n)
    site = np.array(["north", "central", "river"])[rng.choice(3, n, p=[0.4, 0.4, 0.2])]
    label = (rng.random(n) < 0.2 + 0.25 * np.clip((age - 40) / 50, 0, 1)).astype(np.int64)
    sep = np.where(site == "river", 1.9, 2.3)
    score = 1 / (1 + np.exp(-(-2.5 + sep * label + rng.standard_normal(n))))
    ids = np.char.add(f"S{month:02d}-", np.arange(n).astype(str))
    return pa.table(
        {
            "study_id": ids,
            "patient_id": np.char.add(f"P{month:02d}-", rng.integers(0, n // 2 + 1, n).astype(str)),
            "study_time": study,
            "score": score,
            "flag": (score >= 0.1927).astype(np.int64),
            "label": label,
            "label_time": study + np.timedelta64(40, "D"),
            "override": (rng.random(n) < 0.1).astype(np.int64),
            "sex": np.where(rng.random(n) < 0.52, "F", "M"),
            "age": age,
            "site": site,
            "scanner": np.array(SCANNERS)[rng.integers(0, 4, n)],
        }
    )


def make_project(root: Path) -> None:
    shutil.copytree(
        REPO / "specs",
        root,
        ignore=shutil.ignore_patterns("images", "build", ".fairgov", "production", "generate.py"),
    )
    manifest = pd.read_csv(root / "data/manifest.csv", dtype=str)
    manifest["scanner"] = np.array(SCANNERS)[np.arange(len(manifest)) % 4]
    manifest.to_csv(root / "data/manifest.csv", index=False)
    ds = root / "datasheet.yaml"
    ds.write_text(
        ds.read_text().replace(
            "intersections:\n",
            "  scanner:\n    column: scanner\n    values: {a: a, b: b, c: c, d: d}\n"
            "    description: Detector model.\nintersections:\n",
            1,
        )
    )
    dp = root / "deployment.yaml"
    text = dp.read_text().replace("path: data/production/log-*.csv", "path: data/log/*.parquet")
    text = text.replace("data/production/reference-scores.csv", "data/reference.parquet")
    text = text.replace(
        "subgroups: [sex, age_band, site]", "subgroups: [sex, age_band, site, scanner]"
    )
    dp.write_text(text.replace("resamples: 500", "resamples: 200"))


def run_monitor(root: Path) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fairgov", "monitor", str(root), "--out", str(root / "out")],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    return elapsed, json.loads((root / "out/run-stats.json").read_text())


def total_rss(stats: dict) -> float:
    """Peak RSS of the run counting its measure workers: the monitor process's peak plus each
    worker's (an upper bound of what was resident at once)."""
    res = stats.get("resources", {})
    return float(res.get("peak_rss_mib", 0)) + float(sum(res.get("worker_peak_rss_mib", [])))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=10_000_000)
    args = ap.parse_args()
    # fairgov's bytecode as an installed (or once-run) copy has it: this machine sets
    # PYTHONDONTWRITEBYTECODE=1, so otherwise every process (the monitor, each worker)
    # recompiles fairgov's sources, 0.3-0.5 s each, which no user's second run pays
    compileall.compile_dir(REPO / "fairgov", quiet=1)
    per = args.studies // MONTHS
    rng = np.random.Generator(np.random.PCG64(7))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        make_project(root)
        (root / "data/log").mkdir(parents=True)
        t = time.perf_counter()
        for m in range(1, MONTHS + 1):
            pq.write_table(month_table(rng, m, per), root / f"data/log/{m:02d}.parquet")
        ref = month_table(rng, 0 + 1, 5000).select(
            ["score", "label", "sex", "age", "site", "scanner"]
        )
        pq.write_table(ref, root / "data/reference.parquet")
        generate_s = time.perf_counter() - t
        t = time.perf_counter()
        duckdb.connect().execute(
            f"SELECT date_trunc('month', study_time), count(*), avg(score), avg(label) FROM "
            f"read_parquet('{root}/data/log/*.parquet') GROUP BY 1"
        ).fetchall()
        scan_s = time.perf_counter() - t
        full_s, full_stats = run_monitor(root)
        pq.write_table(
            month_table(rng, MONTHS + 1, per), root / f"data/log/{MONTHS + 1:02d}.parquet"
        )
        incremental_s, stats = run_monitor(root)
    # the largest single process
    largest_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rss_mib = max(largest_mib, total_rss(full_stats), total_rss(stats))
    load = os.getloadavg()[0]
    print(f"studies {per * MONTHS:,} over {MONTHS} months; generated in {generate_s:.1f} s")
    print(
        f"reference DuckDB scan {scan_s:.2f} s; full run {full_s:.1f} s ({full_s / scan_s:.0f}x); "
        f"incremental {incremental_s:.1f} s ({incremental_s / scan_s:.0f}x); peak RSS "
        f"{rss_mib:.0f} MiB "
        f"(monitor + {len(full_stats.get('resources', {}).get('worker_peak_rss_mib', []))} measure "
        "workers; largest process "
        f"{largest_mib:.0f} MiB); load average {load:.2f}"
    )
    print(
        json.dumps(
            {
                "studies": per * MONTHS,
                "months": MONTHS,
                "generate_s": round(generate_s, 2),
                "scan_s": round(scan_s, 3),
                "full_s": round(full_s, 2),
                "incremental_s": round(incremental_s, 2),
                "full_over_scan": round(full_s / scan_s, 1),
                "incremental_over_scan": round(incremental_s / scan_s, 1),
                "peak_rss_mib": round(rss_mib),
                "largest_process_rss_mib": round(largest_mib),
                "measure_workers": full_stats.get("resources", {}).get("measure_workers", 1),
                "load_average": round(load, 2),
                "measures_reused": stats["measures_reused"],
                "measures_computed": stats["measures_computed"],
                "files_read": stats.get("files_read"),
                "files_reused": stats.get("files_reused"),
                "full_under_60s": full_s < 60,
                "incremental_under_10s": incremental_s < 10,
                "rss_under_2gib": rss_mib < 2048,
            }
        )
    )


if __name__ == "__main__":
    main()
