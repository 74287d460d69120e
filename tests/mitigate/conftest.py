"""Fixtures for the mitigation tests: a tiny seeded timm backbone with local weights."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fairgov.evaluate.config import BackboneConfig

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TIMM_FUSED_ATTN", "0")


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory: pytest.TempPathFactory) -> BackboneConfig:
    """``test_resnet`` with seeded weights saved as safetensors (sha256 pinned), 32 px."""
    pytest.importorskip("torch")
    import timm
    import torch
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    torch.manual_seed(0)
    model = timm.create_model("test_resnet", pretrained=False, num_classes=0)
    path: Path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return BackboneConfig("test_resnet", path, sha256_file(path), input_size=32, crop_pct=1.0)
