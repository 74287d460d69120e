"""Embedding throughput of runner local vs runner ray on the same images, and Ray's fixed cost.

Both runs embed the same rows (the example images, repeated to --images rows) with the
example backbone, no cache, the same shard plan and the same threads per forward pass.

- local_img_s: rows / seconds of ``embed_rows(runner="local")``.
- ray_startup_s: the fixed cost before the first image: starting a local Ray instance
  (``ray.init``) plus a one-shard run (actor pool start, each actor loading and verifying the
  weights). A run on an existing cluster (--ray-address) pays only the second part.
- ray_img_s: rows / (seconds of the full ray run - seconds of the one-shard run), i.e. the
  rate once the actors are up. The end-to-end rate is printed above the JSON line.

On a 2-core machine Ray is slower: its actors share the same cores with the driver, Ray's
own processes and the object store, so the figure shows its overhead, not a speed-up.

Usage: python benchmarks/scale_out.py [--images 3200 --shard-size 256 --ray-address ADDR]
Ends with exactly one JSON line: {"local_img_s": A, "ray_img_s": B, "ray_startup_s": S}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
T = TypeVar("T")


def _timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "specs" / "data")
    ap.add_argument("--images", type=int, default=3200, help="rows to embed (the images repeat)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--shard-size", type=int, default=256)
    ap.add_argument(
        "--ray-address", default=None, help="existing cluster (default: start a local one)"
    )
    args = ap.parse_args()

    import ray
    import torch

    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.config import BackboneConfig, RayOptions, RunConfig
    from fairgov.evaluate.embed import EmbedStats, embed_rows
    from fairgov.evaluate.hashing import sha256_file
    from fairgov.evaluate.manifest import read_manifest

    df = read_manifest(args.data / "manifest.csv")
    files = [str(args.data / p) for p in df["image"]]
    digests = {p: sha256_file(p) for p in files}
    items = [(i, files[i % len(files)], digests[files[i % len(files)]]) for i in range(args.images)]
    weights = args.data / "backbone.safetensors"
    backbone = BackboneConfig("test_byobnet", weights, sha256_file(weights), input_size=64,
                              mean=(0.5,) * 3, std=(0.25,) * 3, crop_pct=1.0)  # fmt: skip
    loaded = load_backbone(backbone)
    threads = torch.get_num_threads()
    base = RunConfig(batch_size=args.batch_size, shard_size=args.shard_size, device="cpu",
                     progress=False, threads=threads)  # fmt: skip
    ray_cfg = replace(base, runner="ray", ray=RayOptions(address=args.ray_address))

    embed_rows(items[:8], backbone, base, loaded=loaded)  # warm-up: first-call costs out of the way
    t_local, (local_emb, _) = _timed(embed_rows, items, backbone, base, loaded=loaded)

    with tempfile.TemporaryDirectory(prefix="fgray-", dir="/tmp") as temp:
        if args.ray_address:
            t_init, _ = _timed(ray.init, address=args.ray_address, log_to_driver=False)
        else:
            t_init, _ = _timed(
                ray.init, include_dashboard=False, log_to_driver=False, _temp_dir=temp
            )
        try:
            t_small, _ = _timed(embed_rows, items[:1], backbone, ray_cfg, loaded=loaded)
            stats = EmbedStats()
            t_ray, (ray_emb, _) = _timed(
                embed_rows, items, backbone, ray_cfg, loaded=loaded, stats=stats
            )
        finally:
            ray.shutdown()
    same = all(local_emb[k].tobytes() == ray_emb[k].tobytes() for k in local_emb)
    n = len(items)
    print(f"rows {n}, shards {stats.shards_total}, threads per forward pass {threads}, "
          f"ray actors {stats.runner_workers}, byte-identical embeddings: {same}")  # fmt: skip
    print(f"local: {t_local:.2f} s ({n / t_local:.1f} img/s)")
    print(f"ray: ray.init {t_init:.2f} s, one-shard run {t_small:.2f} s, full run {t_ray:.2f} s "
          f"({n / t_ray:.1f} img/s end to end on the started cluster)")  # fmt: skip
    steady = n / max(t_ray - t_small, 1e-9)
    print(json.dumps({"local_img_s": round(n / t_local, 1), "ray_img_s": round(steady, 1),
                      "ray_startup_s": round(t_init + t_small, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
