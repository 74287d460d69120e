"""Frozen-backbone embedding: a pure per-shard core plus a cached local driver.

``embed_shard`` is the unit a distributed runner would farm out: it takes
``(row_id, path)`` pairs and returns ``(row_id, embedding)`` pairs, so results are always
joined on row_id and never depend on batch size, order or worker scheduling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairgov.evaluate.config import BackboneConfig, ImageError, ImageSpec, RunConfig
from fairgov.evaluate.loading import RowDataset, RowId, collate, library_versions, torch_threads

__all__ = [
    "EmbedStats",
    "cache_base",
    "embed_images",
    "embed_rows",
    "embed_shard",
    "prepare_model",
    "resolve_device",
]


@dataclass
class EmbedStats:
    """What actually ran; provenance reports these so cache behaviour is auditable."""

    forward_passes: int = 0
    images_embedded: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    errors: list[tuple[RowId, str]] = field(default_factory=list)
    shards_total: int = 0
    shards_cached: int = 0  # finished by an earlier (interrupted) run, read back
    shards_computed: int = 0  # by this process
    shards_joined: int = 0  # computed by other torchrun ranks, read from the cache
    shard_retries: int = 0
    runner_workers: int = 0  # processes/actors that computed shards in this run


# NHWC was faster for every timm model measured on CPU (1.1-3.6x: test_byobnet, test_resnet,
# test_efficientnet, test_vit, resnet18, convnext_atto; benchmarks/evaluate.py prints the
# comparison) and is the usual choice on CUDA, so both use it.
CHANNELS_LAST_DEVICES = {"cuda", "cpu"}


def prepare_model(model: Any, device: str) -> Any:
    """Move the frozen model to ``device`` in the memory format the inputs will use."""
    import torch

    model = model.to(device)
    if torch.device(device).type in CHANNELS_LAST_DEVICES:
        model = model.to(memory_format=torch.channels_last)
    return model


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``; explicit names pass through."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def embed_shard(
    rows: Sequence[tuple[RowId, str]],
    model: Any,
    transform: Callable[[np.ndarray], Any],
    run_cfg: RunConfig,
    *,
    image_spec: ImageSpec | None = None,
    stats: EmbedStats | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> list[tuple[RowId, np.ndarray]]:
    """Embed one shard on the model's current device; failed decodes go to ``stats.errors``.

    Without ``stats`` a decode failure raises ``ImageError`` (fail closed).
    """
    import torch
    from torch.utils.data import DataLoader

    if not rows:
        return []
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device("cpu")
    channels_last = device.type in CHANNELS_LAST_DEVICES
    ds = RowDataset(rows, transform, image_spec.windowing if image_spec else None)
    loader: Any = DataLoader(
        ds,  # type: ignore[arg-type]
        batch_size=max(1, run_cfg.batch_size),
        shuffle=False,
        num_workers=max(0, run_cfg.workers),
        collate_fn=collate,
        pin_memory=device.type == "cuda",
    )
    finish = getattr(transform, "finish", None) if hasattr(transform, "spatial") else None
    out: list[tuple[RowId, np.ndarray]] = []
    batches = iter(loader)
    with torch.inference_mode():
        while True:
            # In-process loading runs tiny per-image ops; intra-op threading only adds
            # synchronisation there (10x slower on a busy 2-core box), so load on one
            # thread and give the forward pass all of them. Workers are 1-thread already.
            with torch_threads(1 if run_cfg.workers <= 0 else None):
                item = next(batches, None)
            if item is None:
                break
            ids, batch, errors = item
            if errors:
                if stats is None:
                    raise ImageError("; ".join(msg for _, msg in errors))
                stats.errors.extend(errors)
            if batch is not None:
                batch = batch.to(device, non_blocking=True)
                if finish is not None:
                    batch = finish(batch, channels_last=channels_last)
                elif channels_last:
                    batch = batch.contiguous(memory_format=torch.channels_last)
                with torch_threads(run_cfg.threads if device.type == "cpu" else None):
                    feats = model(batch).float().cpu().numpy()
                if stats is not None:
                    stats.forward_passes += 1
                    stats.images_embedded += len(ids)
                out.extend(zip(ids, feats, strict=True))
            if on_batch is not None:
                on_batch(len(ids) + len(errors))
    return out


#: what a transformers/open_clip embedding also depends on (absent for timm, so that timm
#: cache entries written before these libraries existed stay valid)
NON_TIMM_KEYS = ("library", "library_version", "pooling", "model_config_sha256")


def cache_base(
    meta: dict[str, Any], image_spec: ImageSpec | None, device: str, threads: int | None = None
) -> dict[str, Any]:
    """What determines an embedding besides the image: the base of every cache key.

    ``threads`` (CPU only) is the forward pass's intra-op thread count, default torch's.
    """
    import torch

    cpu = torch.device(device).type == "cpu"
    extra = {k: meta[k] for k in NON_TIMM_KEYS if meta.get("library", "timm") != "timm"}
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
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.distribute import run_shards
    from fairgov.evaluate.runners import open_runner
    from fairgov.evaluate.shards import plan_shards

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
    from fairgov.evaluate.hashing import sha256_file

    if not paths:
        return np.zeros((0, 0), dtype=np.float32)
    stats = EmbedStats()
    items = [(i, os.fspath(p), sha256_file(p)) for i, p in enumerate(paths)]
    result, _ = embed_rows(items, backbone_cfg, run_cfg, cache, image_spec=image_spec, stats=stats)
    if stats.errors:
        raise ImageError("; ".join(msg for _, msg in stats.errors))
    return np.stack([result[i] for i in range(len(items))]).astype(np.float32)
