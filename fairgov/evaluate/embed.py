"""The embedding driver: per-image cache lookups, shard planning and the runner around them.

The per-shard forward pass lives in ``forward`` (re-exported here), the runners in
``runners/``; this module sits above both.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from fairgov.evaluate.backbone import load_backbone
from fairgov.evaluate.config import BackboneConfig, ImageError, ImageSpec, RunConfig
from fairgov.evaluate.distribute import run_shards
from fairgov.evaluate.forward import EmbedStats, embed_shard, prepare_model, resolve_device
from fairgov.evaluate.hashing import sha256_file
from fairgov.evaluate.loading import RowId, library_versions
from fairgov.evaluate.problems import untag
from fairgov.evaluate.runners import open_runner
from fairgov.evaluate.shards import plan_shards

__all__ = [
    "EmbedStats",
    "cache_base",
    "embed_images",
    "embed_rows",
    "embed_shard",
    "prepare_model",
    "resolve_device",
]


#: what a transformers/open_clip embedding also depends on (absent for timm, so that timm
#: cache entries written before these libraries existed stay valid)
NON_TIMM_KEYS = ("library", "library_version", "pooling", "model_config_sha256")


def cache_base(
    meta: dict[str, Any], image_spec: ImageSpec | None, device: str, threads: int | None = None
) -> dict[str, Any]:
    """What determines an embedding besides the image: the base of every cache key.

    ``threads`` (CPU only) is the forward pass's intra-op thread count, default torch's.
    The image spec's window override and frame policy are part of it.
    """
    import torch

    cpu = torch.device(device).type == "cpu"
    extra = {k: meta[k] for k in NON_TIMM_KEYS if meta.get("library", "timm") != "timm"}
    if image_spec is not None and image_spec.frames is not None:
        extra["frames"] = image_spec.frames  # absent when undeclared: older keys stay valid
    return {
        **extra,
        "cpu_threads": (threads or torch.get_num_threads()) if cpu else None,
        "kind": "embedding",
        "architecture": meta["architecture"],
        "weights_sha256": meta["weights_sha256"],
        "preprocessing": meta["preprocessing"],
        "windowing": list(image_spec.windowing) if image_spec and image_spec.windowing else None,
        "device_type": torch.device(device).type,
        "versions": library_versions(),
    }


def embed_rows(
    items: Sequence[tuple[RowId, str, str]],
    backbone_cfg: BackboneConfig,
    run_cfg: RunConfig,
    cache: Any = None,
    *,
    image_spec: ImageSpec | None = None,
    stats: EmbedStats | None = None,
    loaded: tuple[Any, Any, dict[str, Any]] | None = None,
) -> tuple[dict[RowId, np.ndarray], dict[str, Any]]:
    """Embed ``(row_id, path, image_sha256)`` items, reusing per-image cache entries.

    One cache entry per image content (not per manifest), so adding a row only embeds the
    new image. The rest are embedded in shards by ``run_cfg.runner`` (see ``distribute``).
    Returns ({row_id: embedding}, backbone metadata incl. device and runner).
    """
    stats = stats if stats is not None else EmbedStats()
    model, transform, meta = loaded if loaded is not None else load_backbone(backbone_cfg)
    runner = open_runner(run_cfg, backbone_cfg, image_spec, (model, transform))
    try:
        device = runner.device
        base = cache_base(meta, image_spec, device, runner.threads)
        result: dict[RowId, np.ndarray] = {}
        todo: list[tuple[RowId, str, str]] = []
        keys: dict[RowId, str] = {}
        for row_id, path, digest in items:
            keys[row_id] = key = cache.key(**base, image_sha256=digest) if cache is not None else ""
            hit = cache.get_array(key) if cache is not None else None
            if hit is not None:
                result[row_id] = hit
                stats.cache_hits += 1
            else:
                todo.append((row_id, os.fspath(path), digest))
        if todo:
            shards = plan_shards(todo, base, run_cfg)
            done = run_shards(shards, runner, cache, stats, run_cfg.retries, run_cfg.progress)
            for shard in shards:
                res = done[shard.index]
                if cache is not None:
                    resumed = res.source == "cache"
                    stats.cache_hits += len(shard.rows) if resumed else 0
                    stats.cache_misses += 0 if resumed else len(shard.rows)
                stats.errors.extend(res.errors)
                for row_id, emb in res.embeddings.items():
                    result[row_id] = emb
                    if cache is not None:
                        cache.put_array(keys[row_id], emb)
    finally:
        runner.close()
    return result, {**meta, "device": device, "runner": runner.name}


def embed_images(
    paths: Sequence[str | os.PathLike[str]],
    backbone_cfg: BackboneConfig,
    run_cfg: RunConfig,
    cache: Any = None,
    *,
    image_spec: ImageSpec | None = None,
) -> np.ndarray:
    """Embed ``paths`` in order; any undecodable image raises ``ImageError``."""
    if not paths:
        return np.zeros((0, 0), dtype=np.float32)
    stats = EmbedStats()
    items = [(i, os.fspath(p), sha256_file(p)) for i, p in enumerate(paths)]
    result, _ = embed_rows(items, backbone_cfg, run_cfg, cache, image_spec=image_spec, stats=stats)
    if stats.errors:
        found = [untag(text) for _, text in stats.errors]
        raise ImageError("; ".join(msg for _, msg in found), code=found[0][0])
    return np.stack([result[i] for i in range(len(items))]).astype(np.float32)
