"""Fixtures for the scale-out tests: a tiny seeded backbone and a few dozen small PNGs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TIMM_FUSED_ATTN", "0")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory: pytest.TempPathFactory) -> BackboneConfig:
    """A seeded ``test_resnet`` in safetensors, 32 px input."""
    pytest.importorskip("torch")
    import timm
    import torch
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    torch.manual_seed(0)
    model = timm.create_model("test_resnet", pretrained=False, num_classes=0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return BackboneConfig("test_resnet", path, sha256_file(path), input_size=32, crop_pct=1.0)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[int, str, str]]:
    """16 grey PNGs of different sizes as ``(row_id, path, sha256)`` items."""
    from PIL import Image

    from fairgov.evaluate.hashing import sha256_file

    root = tmp_path_factory.mktemp("img")
    rng = np.random.default_rng(3)
    items = []
    for i in range(16):
        path = root / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (20 + i, 24), dtype=np.uint8)).save(path)
        items.append((i, str(path), sha256_file(path)))
    return items
