"""runner: torchrun — one process per GPU on one node, a DistributedSampler over the shards.

Every rank runs the same command. Each embeds the shards its DistributedSampler assigns
(no padding: a shard is never computed twice) and writes them to the shared cache; after a
barrier, ranks other than 0 exit with status 0 and rank 0 joins every shard from the cache
and carries on (probe, metrics, reports) exactly as a single-process run would.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fairgov.evaluate.config import EvaluateError, ImageSpec, RunConfig
from fairgov.evaluate.runners.local import LocalRunner
from fairgov.evaluate.shards import Shard

__all__ = ["LAUNCH", "TorchrunRunner", "dist_env", "rank_shards"]

LAUNCH = (
    "torchrun --nproc_per_node=<number of GPUs> --no-python "
    "fairgov check <project> --runner torchrun"
)
#: a barrier waits for the slowest rank's shards; the default 30 minutes is too short
BARRIER_TIMEOUT = timedelta(hours=12)


def dist_env() -> tuple[int, int, int] | None:
    """(rank, world size, local rank) from torchrun's environment, or None outside it."""
    try:
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local = int(os.environ.get("LOCAL_RANK", rank))
    except (KeyError, ValueError):
        return None
    return rank, world, local


def rank_shards(shards: Sequence[Shard], rank: int, world: int) -> list[Shard]:
    """This rank's shards: DistributedSampler order, the padding it adds dropped."""
    from torch.utils.data.distributed import DistributedSampler

    sampler: DistributedSampler[int] = DistributedSampler(
        range(len(shards)),  # type: ignore[arg-type]
        num_replicas=world, rank=rank, shuffle=False,
    )  # fmt: skip
    return [shards[i] for k, i in enumerate(sampler) if rank + k * world < len(shards)]


class TorchrunRunner(LocalRunner):
    """A LocalRunner per rank; ``finish`` is the barrier after which only rank 0 goes on."""

    name = "torchrun"

    def __init__(
        self, loaded: tuple[Any, Any], run_cfg: RunConfig, image_spec: ImageSpec | None
    ) -> None:
        import torch
        import torch.distributed as dist

        env = dist_env()
        if env is None:
            raise EvaluateError(
                "runner 'torchrun' must be started by torchrun, which sets RANK and WORLD_SIZE "
                f"for each process; launch it as `{LAUNCH}` (one process per GPU), or use "
                "--runner local (one process) or --runner ray (a Ray cluster)"
            )
        self.rank, world, local = env
        cuda = run_cfg.device != "cpu" and torch.cuda.is_available()
        if run_cfg.device == "cuda" and not torch.cuda.is_available():
            raise EvaluateError(f"rank {self.rank}: device cuda asked for but no GPU is visible")
        super().__init__(loaded, run_cfg, image_spec, "cuda" if cuda else "cpu")
        self._place = f"cuda:{local}" if cuda else "cpu"
        self.workers = world
        self.worker = f"rank{self.rank}:{os.getpid()}"
        self._owns = not dist.is_initialized()
        if self._owns:
            if cuda:
                torch.cuda.set_device(local)
            dist.init_process_group("nccl" if cuda else "gloo", timeout=BARRIER_TIMEOUT)
        if dist.get_world_size() != world:
            raise EvaluateError(
                f"WORLD_SIZE={world} but the process group has {dist.get_world_size()}"
            )

    def assign(self, shards: Sequence[Shard]) -> list[Shard]:
        return rank_shards(shards, self.rank, self.workers)

    def finish(self) -> None:
        import torch.distributed as dist

        dist.barrier()
        if self.rank != 0:
            self.close()
            raise SystemExit(0)  # rank 0 joins the shards and writes the outputs

    def close(self) -> None:
        import torch.distributed as dist

        if self._owns and dist.is_initialized():
            dist.destroy_process_group()
            self._owns = False
