"""Build a frozen backbone from pinned local weights, plus its eval transform.

timm here; transformers (``hf_backbone``) and open_clip (``clip_backbone``) are dispatched to.
Trust model (``weights``): the weights file is read into memory once, hashed, compared with the
pinned SHA-256, and only then deserialised from that same buffer (no time-of-check/time-of-use
gap). Pickle-based checkpoints go through ``torch.load(weights_only=True)`` so a
checkpoint carrying code cannot execute it.
"""

from __future__ import annotations

from typing import Any

from fairgov.evaluate.clip_backbone import load_open_clip
from fairgov.evaluate.config import BackboneConfig, BackboneError
from fairgov.evaluate.hf_backbone import load_transformers
from fairgov.evaluate.preprocess import Preprocess
from fairgov.evaluate.weights import (
    _adapt_keys,
    _data_config,
    _hub_disabled,
    _state_digest,
    file_suffix,
    freeze,
    load_into,
    load_state_dict_bytes,
    read_weights,
)

__all__ = [
    "BackboneError",
    "Preprocess",
    "freeze",
    "load_backbone",
    "load_state_dict_bytes",
    "read_weights",
]


def load_backbone(cfg: BackboneConfig) -> tuple[Any, Preprocess, dict[str, Any]]:
    """Return (model in eval mode, array->tensor transform, metadata for provenance)."""
    if cfg.library == "transformers":
        return load_transformers(cfg)
    if cfg.library == "open_clip":
        return load_open_clip(cfg)
    if cfg.library != "timm":
        raise BackboneError(f"unknown backbone library {cfg.library!r}")
    try:
        import timm
    except ImportError as exc:  # the hub stays as the spec says: no import_library here
        raise BackboneError(
            "timm backbones need timm, which is not installed: "
            f"pip install 'fairgov[eval]' ({exc})",
            code="FG423",
        ) from exc

    if cfg.weights is None and (not cfg.allow_hub or _hub_disabled()):
        why = "allow_hub is false" if not cfg.allow_hub else "HF_HUB_OFFLINE is set"
        raise BackboneError(
            f"no local weights for {cfg.architecture!r} and hub download is off ({why})",
            code="FG422",
        )
    data, digest = read_weights(cfg)
    try:
        model = timm.create_model(cfg.architecture, pretrained=cfg.weights is None, num_classes=0)
    except Exception as exc:
        raise BackboneError(f"cannot build architecture {cfg.architecture!r}: {exc}") from exc
    if cfg.weights is not None:
        state = load_state_dict_bytes(data, file_suffix(cfg.weights), str(cfg.weights))
        load_into(model, _adapt_keys(state, model), cfg.architecture)
    else:
        digest = _state_digest(model)
    freeze(model)
    dc = _data_config(model, cfg)
    meta = {
        "architecture": cfg.architecture,
        "weights_sha256": digest,
        "sha256_verified": cfg.weights is not None and cfg.sha256 is not None,
        "source": "local" if cfg.weights is not None else "hub",
        "num_features": int(getattr(model, "num_features", 0)),
        "preprocessing": {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(dc.items())},
    }
    return model, Preprocess(dc), meta
