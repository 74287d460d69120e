"""The runner protocol and the in-process runner; the others build on these.

Runners: where shards are embedded. All of them call ``compute_shard`` (-> ``embed_shard``).

- ``local``: this process, one shard after another (the DataLoader path).
- ``ray``: Ray Data actor pool on a local or existing cluster (``ray_runner``).
- ``torchrun``: one process per GPU under ``torchrun``, DistributedSampler over shards
  (``torchrun``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from fairgov.evaluate.config import ImageSpec, RunConfig
from fairgov.evaluate.forward import prepare_model, resolve_device
from fairgov.evaluate.shards import Shard, ShardOutput, compute_shard

__all__ = ["LocalRunner", "OnDone", "OnImages", "Runner"]

OnDone = Callable[[ShardOutput], None]
OnImages = Callable[[int], None]


class Runner(Protocol):
    """``assign`` picks this process's shards, ``run`` embeds them, ``finish`` is the join."""

    name: str
    workers: int
    threads: int  # intra-op threads of a CPU forward pass, the same in every worker
    streams_progress: bool

    @property
    def device(self) -> str: ...

    def assign(self, shards: Sequence[Shard]) -> list[Shard]: ...

    def run(self, shards: Sequence[Shard], on_done: OnDone, on_images: OnImages) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


class LocalRunner:
    """Embed shards in this process with the already-loaded model."""

    name = "local"
    streams_progress = True

    def __init__(self, loaded: tuple[Any, Any], run_cfg: RunConfig,
                 image_spec: ImageSpec | None, device: str | None = None) -> None:  # fmt: skip
        import torch

        self.model, self.transform = loaded
        self.threads = run_cfg.threads or torch.get_num_threads()
        self.run_cfg, self.image_spec = replace(run_cfg, threads=self.threads), image_spec
        self._device = device or resolve_device(run_cfg.device)
        self._place = self._device  # where the model goes (torchrun: cuda:<local rank>)
        self._prepared = False
        self.workers = 1
        self.worker = f"{self.name}:{os.getpid()}"

    @property
    def device(self) -> str:
        return self._device

    def assign(self, shards: Sequence[Shard]) -> list[Shard]:
        return list(shards)

    def run(self, shards: Sequence[Shard], on_done: OnDone, on_images: OnImages) -> None:
        if not self._prepared:
            self.model, self._prepared = prepare_model(self.model, self._place), True
        for shard in shards:
            on_done(compute_shard(shard, self.model, self.transform, self.run_cfg,
                                  image_spec=self.image_spec, worker=self.worker,
                                  on_batch=on_images))  # fmt: skip

    def finish(self) -> None:
        return None

    def close(self) -> None:
        return None
