"""Evaluation engine: manifest -> frozen-backbone embeddings -> linear probe -> scores.

Importing this package never imports torch: the torch-dependent entry points
(``load_backbone``, ``embed_images``, ``embed_shard``, ``run_evaluation``) and the
scipy/Pillow ones (probe, image decoding) are resolved lazily on first attribute access, so
the manifest, probe and cache layers work without the ``eval`` extra installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import (
    BackboneConfig,
    BackboneError,
    EvaluateError,
    ImageError,
    ImageSpec,
    ProbeConfig,
    ProbeError,
    RunConfig,
)
from fairgov.evaluate.hashing import sha256_bytes, sha256_file

_LAZY = {
    "load_backbone": "fairgov.evaluate.backbone",
    "embed_images": "fairgov.evaluate.embed",
    "embed_shard": "fairgov.evaluate.embed",
    "embed_rows": "fairgov.evaluate.embed",
    "EmbedStats": "fairgov.evaluate.embed",
    "run_evaluation": "fairgov.evaluate.run",
    "EvaluationResult": "fairgov.evaluate.run",
    "InvalidRowsError": "fairgov.evaluate.run",
    "read_attributes": "fairgov.evaluate.dicom",
    # scipy (probe) and Pillow (images) load on first use too: `fairgov check` imports this
    # package for its hash index and cache, and a warm check must start fast
    "ProbeResult": "fairgov.evaluate.probe",
    "auroc": "fairgov.evaluate.probe",
    "linear_probe": "fairgov.evaluate.probe",
    "decode": "fairgov.evaluate.images",
    # pandas (the manifest reader) too: `fairgov monitor` imports this package for its hashes
    **dict.fromkeys(
        ("CODES", "RowProblem", "check_rows", "manifest_hash", "patient_split", "read_manifest"),
        "fairgov.evaluate.manifest",
    ),
}

__all__ = [
    "BackboneConfig",
    "BackboneError",
    "Cache",
    "EvaluateError",
    "ImageError",
    "ImageSpec",
    "ProbeConfig",
    "ProbeError",
    "RunConfig",
    "sha256_bytes",
    "sha256_file",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fairgov.evaluate' has no attribute {name!r}")
