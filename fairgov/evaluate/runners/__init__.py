"""Runners: where shards are embedded, above the per-shard forward pass (``forward``,
``shards``) and below the driver (``embed``, ``distribute``).

- ``local``: this process, one shard after another (the DataLoader path).
- ``ray_runner``: Ray Data actor pool on a local or existing cluster.
- ``torchrun``: one process per GPU under ``torchrun``, DistributedSampler over shards.
"""

from __future__ import annotations

from typing import Any

from fairgov.evaluate.config import RUNNERS, BackboneConfig, EvaluateError, ImageSpec, RunConfig
from fairgov.evaluate.runners.local import LocalRunner, OnDone, OnImages, Runner
from fairgov.evaluate.runners.torchrun import TorchrunRunner

__all__ = ["LocalRunner", "OnDone", "OnImages", "Runner", "TorchrunRunner", "open_runner"]


def open_runner(run_cfg: RunConfig, backbone: BackboneConfig, image_spec: ImageSpec | None,
                loaded: tuple[Any, Any]) -> Runner:  # fmt: skip
    """The runner named by ``run_cfg.runner``; configuration problems raise EvaluateError."""
    if run_cfg.runner == "local":
        return LocalRunner(loaded, run_cfg, image_spec)
    if run_cfg.runner == "torchrun":
        return TorchrunRunner(loaded, run_cfg, image_spec)
    if run_cfg.runner == "ray":
        from fairgov.evaluate.runners.ray_runner import RayRunner  # pandas, ray: on use only

        return RayRunner(backbone, run_cfg, image_spec)
    raise EvaluateError(f"unknown runner {run_cfg.runner!r}; choose one of {list(RUNNERS)}")
