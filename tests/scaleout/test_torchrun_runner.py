"""runner: torchrun with two CPU processes (gloo): ranks split the shards, rank 0 joins them
from the cache, and the embeddings are byte-identical to runner: local."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig, RunConfig

pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

from fairgov.evaluate.embed import embed_rows  # noqa: E402

HERE = Path(__file__).resolve().parent


def test_two_ranks_give_the_local_bytes(
    tiny_backbone: BackboneConfig, images: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    run = RunConfig(batch_size=4, shard_size=4, device="cpu", progress=False, threads=1)
    reference, _ = embed_rows(images, tiny_backbone, run)
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(HERE / "torchrun_worker.py"), str(tiny_backbone.weights), str(tiny_backbone.sha256),
           str(Path(images[0][1]).parent), str(tmp_path / "cache"), str(tmp_path)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["runner"] == "torchrun" and stats["runner_workers"] == 2
    assert (stats["shards_total"], stats["shards_computed"], stats["shards_joined"]) == (4, 2, 2)
    assert stats["images_embedded"] == 16  # rank 0's 8 plus rank 1's 8, from the shard sidecars
    with np.load(tmp_path / "result.npz") as got:
        ids, emb = got["ids"].tolist(), got["emb"]
    assert ids == sorted(reference)
    assert emb.tobytes() == np.stack([reference[i] for i in ids]).tobytes()
