"""Run under ``torchrun --nproc_per_node=N``: embed a folder of PNGs with runner torchrun.

Rank 0 writes ``<out>/result.npz`` (ids, emb: one row per id) and ``<out>/stats.json``; the other
ranks leave through ``SystemExit(0)`` after the barrier, as in ``fairgov check``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import BackboneConfig, RunConfig
from fairgov.evaluate.embed import EmbedStats, embed_rows
from fairgov.evaluate.hashing import sha256_file


def main(weights: str, sha: str, images: str, cache: str, out: str) -> None:
    backbone = BackboneConfig("test_resnet", Path(weights), sha, input_size=32, crop_pct=1.0)
    paths = sorted(Path(images).glob("*.png"), key=lambda p: int(p.stem))
    items = [(int(p.stem), str(p), sha256_file(p)) for p in paths]
    run = RunConfig(
        batch_size=4, shard_size=4, device="cpu", progress=False, runner="torchrun", threads=1
    )
    stats = EmbedStats()
    emb, meta = embed_rows(items, backbone, run, Cache(cache), stats=stats)
    ids = sorted(emb)
    np.savez(Path(out) / "result.npz", ids=np.array(ids), emb=np.stack([emb[i] for i in ids]))
    (Path(out) / "stats.json").write_text(json.dumps({**asdict(stats), "runner": meta["runner"]}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
