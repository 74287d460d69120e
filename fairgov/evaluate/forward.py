"""The per-shard forward pass: the bottom of the embedding stack.

``embed_shard`` is the unit every runner farms out: it takes ``(row_id, path)`` pairs and
returns ``(row_id, embedding)`` pairs, so results are always joined on row_id and never
depend on batch size, order or worker scheduling. Shards (``shards``) wrap it, runners
(``runners/``) call it, the driver (``embed``) plans and caches around them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairgov.evaluate.config import ImageError, ImageSpec, RunConfig
from fairgov.evaluate.loading import RowDataset, RowId, collate, torch_threads
from fairgov.evaluate.problems import untag

__all__ = ["CHANNELS_LAST_DEVICES", "EmbedStats", "embed_shard", "prepare_model", "resolve_device"]


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
    ds = RowDataset(rows, transform, image_spec.windowing if image_spec else None,
                    image_spec.frames if image_spec else None)
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
                    found = [untag(text) for _, text in errors]
                    raise ImageError("; ".join(m for _, m in found), code=found[0][0])
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
