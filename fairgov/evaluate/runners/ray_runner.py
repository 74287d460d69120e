"""runner: ray — Ray Data ``map_batches`` over an actor pool that holds the model.

Each dataset row is one shard (``from_pandas`` of one-row frames, ``batch_size=1``), so Ray
can neither split nor merge shards and every actor forms the same batches as a local run.
Actors load and verify the pinned weights themselves and decode inside ``__call__`` (a
separate decode stage next to a pool holding every CPU can deadlock a small cluster). A
shard whose call raises comes back as a failure row and is retried by the driver; a dead
actor is restarted by Ray (``max_restarts``) and its shard retried (``max_task_retries``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from fairgov.evaluate import config
from fairgov.evaluate.backbone import load_backbone
from fairgov.evaluate.config import BackboneConfig, EvaluateError, ImageSpec, RunConfig
from fairgov.evaluate.forward import prepare_model
from fairgov.evaluate.runners.local import OnDone, OnImages
from fairgov.evaluate.shards import Shard, ShardOutput, compute_shard

__all__ = ["RayRunner", "ShardEmbedder"]

COLUMNS = ("shard", "data", "images", "forward_passes", "seconds", "worker", "failure")


def _raise_if_setup_error(exc: Exception) -> None:
    """An actor whose constructor raised one of fairgov's errors (weights missing or not
    matching their sha256 on a worker, unknown architecture...) fails the same way on every
    retry: stop at once with that error's own message."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if "creation task" in str(exc) and lines and lines[-1].startswith("fairgov."):
        what = lines[-1].removeprefix("fairgov.evaluate.config.")
        cls = getattr(config, what.split(":", 1)[0], EvaluateError)  # the worker's error class
        code = (
            cls.code
            if isinstance(cls, type) and issubclass(cls, EvaluateError)
            else EvaluateError.code
        )
        raise EvaluateError(f"Ray actors could not start: {what}", code=code) from exc


class ShardEmbedder:
    """Ray Data actor: the backbone loaded once, one shard embedded per call."""

    def __init__(self, backbone: BackboneConfig, run_cfg: RunConfig,
                 image_spec: ImageSpec | None, device: str) -> None:  # fmt: skip
        import ray

        model, self.transform, _ = load_backbone(backbone)
        self.model = prepare_model(model, device)
        self.run_cfg = replace(run_cfg, workers=0, progress=False)
        self.image_spec = image_spec
        self.worker = f"ray:{ray.get_runtime_context().get_node_id()[:8]}:{os.getpid()}"

    def embed(self, shard: Shard) -> ShardOutput:
        return compute_shard(shard, self.model, self.transform, self.run_cfg,
                             image_spec=self.image_spec, worker=self.worker)  # fmt: skip

    def _safe(self, shard: Shard) -> ShardOutput:
        try:
            return self.embed(shard)
        except Exception as exc:  # noqa: BLE001 - a failure row; the driver retries the shard
            return ShardOutput(
                shard.index, None, worker=self.worker, failure=f"{type(exc).__name__}: {exc}"
            )

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        outs = [
            self._safe(
                Shard(
                    int(r["shard"]),
                    str(r["key"]),
                    tuple(zip(r["row_ids"], r["paths"], strict=True)),
                )
            )
            for r in batch.to_dict("records")
        ]
        return pd.DataFrame({
            "shard": [o.index for o in outs], "data": [o.data or b"" for o in outs],
            "images": [o.images for o in outs], "forward_passes": [o.forward_passes for o in outs],
            "seconds": [o.seconds for o in outs], "worker": [o.worker for o in outs],
            "failure": [o.failure or "" for o in outs],
        })  # fmt: skip


class RayRunner:
    """Connects lazily: a fully cached run with an explicit device never starts Ray."""

    name = "ray"
    streams_progress = False

    def __init__(self, backbone: BackboneConfig, run_cfg: RunConfig, image_spec: ImageSpec | None,
                 actor_cls: type = ShardEmbedder) -> None:  # fmt: skip
        try:
            import ray  # noqa: F401
            import ray.data  # noqa: F401
        except ImportError as exc:
            raise EvaluateError(
                f"runner 'ray' needs Ray Data: pip install 'fairgov[ray]' ({exc})"
            ) from exc
        import torch

        self.threads = run_cfg.threads or torch.get_num_threads()  # the driver's, as local
        self.backbone, self.image_spec = backbone, image_spec
        self.run_cfg = replace(run_cfg, threads=self.threads)
        self.opts = run_cfg.ray
        self.actor_cls = actor_cls
        self.workers = 0
        self._owns = False
        self._device: str | None = None

    def _connect(self) -> Any:
        import ray

        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            address = self.opts.address or os.environ.get("RAY_ADDRESS") or None
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(include_dashboard=False, log_to_driver=False)
                self._owns = True
        return ray

    @property
    def device(self) -> str:
        if self._device is None:
            if self.run_cfg.device != "auto":
                self._device = self.run_cfg.device
            else:
                gpus = self._connect().cluster_resources().get("GPU", 0)
                self._device = "cuda" if gpus and self.opts.gpus_per_actor != 0 else "cpu"
        return self._device

    def _pool(self, n_shards: int) -> tuple[int, float]:
        """(actors, GPUs per actor) for this cluster, never more actors than shards."""
        resources = self._connect().cluster_resources()
        gpus = float(resources.get("GPU", 0))
        per_gpu = self.opts.gpus_per_actor
        if per_gpu is None:
            per_gpu = 1.0 if gpus and self.device == "cuda" else 0.0
        if self.device == "cuda" and not (gpus and per_gpu):
            raise EvaluateError(
                "device cuda asked for, but the Ray cluster has no GPUs for the actors"
            )
        if self.opts.actors:
            actors = self.opts.actors
        elif per_gpu:
            actors = int(gpus // per_gpu)
        else:
            actors = int(float(resources.get("CPU", 1)) // self._cpus(per_gpu))
        return max(1, min(actors, n_shards)), per_gpu

    def _cpus(self, per_gpu: float) -> float:
        """CPUs per actor: as many as the forward pass has threads, unless it runs on a GPU."""
        if self.opts.cpus_per_actor is not None:
            return self.opts.cpus_per_actor
        return 1.0 if per_gpu else float(self.threads)

    def assign(self, shards: Sequence[Shard]) -> list[Shard]:
        return list(shards)

    def run(self, shards: Sequence[Shard], on_done: OnDone, on_images: OnImages) -> None:
        ray = self._connect()
        actors, per_gpu = self._pool(len(shards))
        self.workers = max(self.workers, actors)  # the widest pass
        frames = [
            pd.DataFrame({"shard": [s.index], "key": [s.key], "row_ids": [s.row_ids],
                          "paths": [[p for _, p in s.rows]]})
            for s in shards
        ]  # fmt: skip
        retries = max(0, self.run_cfg.retries)
        gpu_args: dict[str, Any] = {"num_gpus": per_gpu} if per_gpu else {}
        with warnings.catch_warnings():
            # Ray 2.60 bounds actor restarts and task retries only through the deprecated
            # **ray_remote_args; its default (-1, forever) would loop on a shard that kills
            # every worker it lands on. Revisit when upgrading past Ray 2.63.
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
            ds = ray.data.from_pandas(frames).map_batches(
                self.actor_cls,
                fn_constructor_kwargs={"backbone": self.backbone, "run_cfg": self.run_cfg,
                                       "image_spec": self.image_spec, "device": self.device},
                batch_size=1, batch_format="pandas",
                compute=ray.data.ActorPoolStrategy(size=actors),
                num_cpus=self._cpus(per_gpu), max_restarts=retries, max_task_retries=retries,
                **gpu_args,
            )  # fmt: skip
        ds.context.enable_progress_bars = False
        ds.context.print_on_execution_start = False
        try:
            for row in ds.iter_rows():
                on_done(ShardOutput(int(row["shard"]), row["data"] or None, int(row["images"]),
                                    int(row["forward_passes"]), float(row["seconds"]),
                                    str(row["worker"]), row["failure"] or None))  # fmt: skip
        except Exception as exc:
            _raise_if_setup_error(exc)
            raise

    def finish(self) -> None:
        return None

    def close(self) -> None:
        if self._owns:
            import ray

            ray.shutdown()
            self._owns = False
