"""Shared fixtures for the evaluation engine tests (offline, tiny, deterministic)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TIMM_FUSED_ATTN", "0")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "specs" / "data"
TINY_ARCH = "test_resnet"


def write_png(path: Path, arr: np.ndarray) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def write_dicom(path: Path, arr: np.ndarray, *, pixels: bool = True, **attrs: object) -> Path:
    """Write a minimal explicit-little-endian secondary-capture DICOM with pydicom; a 3-D
    `arr` (frames, rows, columns) makes a multi-frame file."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientID = "X1"
    ds.Modality = "DX"
    if arr.ndim == 3:
        ds.NumberOfFrames = len(arr)
    ds.Rows, ds.Columns = arr.shape[-2:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    for key, value in attrs.items():
        setattr(ds, key, value)
    if pixels:
        ds.PixelData = np.ascontiguousarray(arr).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def make_png() -> object:
    """``make_png(path, array)`` writes a PNG (helpers are fixtures: tests are no package)."""
    return write_png


@pytest.fixture(scope="session")
def make_dicom() -> object:
    """``make_dicom(path, array, pixels=True, **attrs)`` writes a DICOM file."""
    return write_dicom


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A seeded ``test_resnet`` state dict in safetensors, and its sha256."""
    pytest.importorskip("torch")
    import timm
    import torch
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    torch.manual_seed(0)
    model = timm.create_model(TINY_ARCH, pretrained=False, num_classes=0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path, sha256_file(path)


@pytest.fixture(scope="session")
def tiny_backbone(tiny_weights: tuple[Path, str]) -> BackboneConfig:
    path, digest = tiny_weights
    return BackboneConfig(TINY_ARCH, path, digest, input_size=32, crop_pct=1.0)


@pytest.fixture
def gray_images(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    return [
        write_png(tmp_path / "img" / f"{i}.png", rng.integers(0, 256, (24 + i, 20), dtype=np.uint8))
        for i in range(7)
    ]
