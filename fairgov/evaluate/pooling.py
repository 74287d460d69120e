"""Embedding heads for non-timm encoders: the declared pooling as a frozen torch module.

Module-level classes (not closures) so a model pickles into runner worker processes.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["ClipImage", "TokenPool"]


class TokenPool(torch.nn.Module):
    """A transformers encoder's ``last_hidden_state`` pooled to one vector per image.

    ``cls``: the first token; ``mean_patch``: the mean of the patch tokens, skipping the
    ``skip`` leading tokens (CLS plus any register tokens).
    """

    def __init__(self, model: Any, pooling: str, skip: int) -> None:
        super().__init__()
        self.model, self.pooling, self.skip = model, pooling, skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.model(pixel_values=x).last_hidden_state
        if self.pooling == "cls":
            return tokens[:, 0]
        return tokens[:, self.skip :].mean(dim=1)


class ClipImage(torch.nn.Module):
    """An open_clip model's projected (unnormalised) image embedding: ``encode_image``."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(x)
