"""timm eval preprocessing for grayscale medical images, split for batching."""

from __future__ import annotations

from typing import Any

import numpy as np

from fairgov.evaluate.config import BackboneError

__all__ = ["Preprocess"]


class Preprocess:
    """timm's eval transform for grayscale arrays, split into a per-image and a batch stage.

    ``spatial(arr)`` runs timm's resize/crop on one channel (a third of the work) and
    ``finish(batch)`` replicates to three channels and normalises the whole batch in one
    vectorised op (on the model's device). ``__call__`` composes both for one image and
    equals timm's full transform on the 3-channel image. A class, not a closure, so it
    pickles into DataLoader worker processes.
    """

    def __init__(self, data_config: dict[str, Any]) -> None:
        self.data_config = dict(data_config)
        self._steps: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"data_config": self.data_config, "_steps": None}

    def _build(self) -> Any:
        if self._steps is None:
            import torch
            from timm.data import create_transform
            from torchvision import transforms as T

            tf = create_transform(**self.data_config, is_training=False)
            steps = list(getattr(tf, "transforms", [tf]))
            norm = steps[-1] if steps and isinstance(steps[-1], T.Normalize) else None
            spatial = [
                t for t in steps[:-1] if type(t).__name__ not in {"MaybeToTensor", "ToTensor"}
            ]
            if norm is None or len(spatial) != len(steps) - 2:
                raise BackboneError(f"unexpected timm eval transform layout: {tf}")
            mean = torch.as_tensor(norm.mean, dtype=torch.float32).reshape(1, -1, 1, 1)
            std = torch.as_tensor(norm.std, dtype=torch.float32).reshape(1, -1, 1, 1)
            self._steps = (T.Compose(spatial), mean, std)
        return self._steps

    def spatial(self, arr: np.ndarray) -> Any:
        """HxW float array -> 1xHxW tensor resized/cropped like timm's eval transform."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).unsqueeze(0)
        return self._build()[0](x)

    def finish(self, batch: Any, channels_last: bool = False) -> Any:
        """Bx1xHxW -> Bx3xHxW normalised with the model's mean/std.

        One fused multiply-add writes straight into the requested memory format, so the
        channel replication, normalisation and NHWC conversion cost a single pass.
        """
        import torch

        _, mean, std = self._build()
        mean, std = mean.to(batch.device), std.to(batch.device)
        b, _, h, w = batch.shape
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        out = torch.empty(
            (b, mean.shape[1], h, w), dtype=batch.dtype, device=batch.device, memory_format=fmt
        )
        return torch.addcmul(-mean / std, batch, 1.0 / std, out=out)

    def __call__(self, arr: np.ndarray) -> Any:
        return self.finish(self.spatial(arr).unsqueeze(0))[0]
