"""Input hashing at scale: a warm check's image hashing with the stat-keyed index vs hashing
every file (the reference), on N small files (default 100,000) in a temporary folder.

Run: .venv/bin/python benchmarks/hash_index.py [--files N] [--size BYTES]
Three timings in this process on the same files: hashing every file (what `fairgov verify`
and the pre-index build did), a cold index pass (hashes and records), and a warm pass
through `fairgov.pipeline.reuse.image_digests` (reads the manifest, loads the index, stats
every file, hashes none). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fairgov.evaluate import hashindex  # noqa: E402
from fairgov.evaluate.hashing import sha256_file  # noqa: E402
from fairgov.evaluate.manifest import resolve_image  # noqa: E402
from fairgov.pipeline.image_state import image_digests  # noqa: E402


def make_files(root: Path, n: int, size: int) -> Path:
    images = root / "images"
    for i in range(n // 1000 + 1):
        (images / f"{i:03d}").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        rel = f"images/{i // 1000:03d}/{i:06d}.png"
        (root / rel).write_bytes(os.urandom(size))
        rows.append({"image": rel, "patient_id": f"P{i}", "label": i % 2})
    manifest = root / "manifest.csv"
    with open(manifest, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["image", "patient_id", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = make_files(root, args.files, args.size)
        time.sleep(hashindex.RACY_NS / 1e9 + 0.2)  # let the files age out of the racy window
        with open(manifest, newline="") as fh:
            rels = [r["image"] for r in csv.DictReader(fh)]
        # the reference
        full, _ = timed(lambda: [sha256_file(resolve_image(root, r)[0]) for r in rels])
        index_path = root / "cache/index/hashes.json"

        def cold() -> str | None:
            index = hashindex.HashIndex(index_path)
            digest = image_digests(manifest, "image", index)
            index.save()
            return digest

        def warm() -> tuple[str | None, dict[str, int]]:
            index = hashindex.HashIndex(index_path)
            return image_digests(manifest, "image", index), index.stats()

        cold_s, cold_digest = timed(cold)
        warm_runs = [timed(warm) for _ in range(3)]
        warm_s = min(t for t, _ in warm_runs)
        warm_digest, stats = warm_runs[0][1]
        assert warm_digest == cold_digest and stats["files_hashed"] == 0, stats
        index_mb = index_path.stat().st_size / 1e6
    print(
        f"{args.files:,} files of {args.size} B: hash every file {full:.2f} s; cold index pass "
        f"{cold_s:.2f} s; "
        f"warm index pass {warm_s:.2f} s ({warm_s / full:.3f} of hashing everything); index "
        f"{index_mb:.1f} MB"
    )
    print(
        json.dumps(
            {
                "files": args.files,
                "full_hash_s": round(full, 3),
                "cold_index_s": round(cold_s, 3),
                "warm_index_s": round(warm_s, 3),
                "warm_ratio_to_full_hash": round(warm_s / full, 4),
                "index_mb": round(index_mb, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
