"""Build a frozen timm backbone from pinned local weights, plus its eval transform.

Trust model: the weights file is read into memory once, hashed, compared with the pinned
SHA-256, and only then deserialised from that same buffer (no time-of-check/time-of-use
gap). Pickle-based checkpoints go through ``torch.load(weights_only=True)`` so a
checkpoint carrying code cannot execute it.
"""

from __future__ import annotations

import io
import os
from typing import Any

from fairgov.evaluate.config import BackboneConfig, BackboneError
from fairgov.evaluate.hashing import sha256_bytes
from fairgov.evaluate.preprocess import Preprocess

__all__ = [
    "BackboneError", "Preprocess", "freeze", "load_backbone", "load_state_dict_bytes", "read_weights",
]

_PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt"}
_PREFIXES = ("module.", "model.", "backbone.", "encoder.")


def _hub_disabled() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() not in {"", "0", "false", "no"}


def load_state_dict_bytes(data: bytes, suffix: str, name: str = "weights") -> dict[str, Any]:
    """Deserialise a state dict from verified bytes (safetensors or weights-only pickle)."""
    import torch

    if suffix == ".safetensors":
        from safetensors.torch import load as st_load

        try:
            return dict(st_load(data))
        except Exception as exc:  # safetensors raises its own SafetensorError
            raise BackboneError(f"{name}: not a valid safetensors file ({exc})") from exc
    if suffix not in _PICKLE_SUFFIXES:
        raise BackboneError(f"{name}: unsupported weights format {suffix!r}")
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError and friends: refuse, never fall back
        raise BackboneError(
            f"{name}: refused to load checkpoint with torch.load(weights_only=True) "
            f"(it contains objects other than tensors, possibly code): {exc}"
        ) from exc
    for nest in ("state_dict", "model", "model_state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(nest), dict):
            obj = obj[nest]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise BackboneError(f"{name}: checkpoint is not a flat dict of tensors")
    return dict(obj)


def _adapt_keys(state: dict[str, Any], model: Any) -> dict[str, Any]:
    """Strip wrapper prefixes and drop classifier-head keys (the backbone has no head)."""
    expected = model.state_dict()
    for prefix in _PREFIXES:
        if (
            state
            and all(k.startswith(prefix) for k in state)
            and not any(k.startswith(prefix) for k in expected)
        ):
            state = {k[len(prefix) :]: v for k, v in state.items()}
    heads = model.pretrained_cfg.get("classifier") or ()
    heads = (heads,) if isinstance(heads, str) else tuple(heads)
    return {
        k: v
        for k, v in state.items()
        if k in expected or not any(k == h or k.startswith(h + ".") for h in heads)
    }


def load_into(model: Any, state: dict[str, Any], arch: str) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in sorted(set(state) & set(expected))
        if tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or shapes:
        raise BackboneError(
            f"weights do not match architecture {arch!r} (wrong architecture?): "
            f"{len(missing)} missing keys {missing[:3]}, {len(unexpected)} unexpected keys "
            f"{unexpected[:3]}, {len(shapes)} shape mismatches {shapes[:2]}"
        )
    model.load_state_dict(state, strict=True)


def _data_config(model: Any, cfg: BackboneConfig) -> dict[str, Any]:
    from timm.data import resolve_model_data_config

    return apply_overrides(dict(resolve_model_data_config(model)), cfg)


def apply_overrides(dc: dict[str, Any], cfg: BackboneConfig) -> dict[str, Any]:
    """The spec's preprocessing overrides on a timm-style data config."""
    if cfg.input_size is not None:
        dc["input_size"] = (3, int(cfg.input_size), int(cfg.input_size))
    for name in ("mean", "std", "crop_pct", "interpolation"):
        value = getattr(cfg, name)
        if value is not None:
            dc[name] = tuple(value) if isinstance(value, list | tuple) else value
    return dc


def _state_digest(model: Any) -> str:
    """Digest of the tensors themselves, for hub weights that have no pinned file."""
    import hashlib

    import torch

    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return "state:" + h.hexdigest()


def read_weights(cfg: BackboneConfig) -> tuple[bytes, str | None]:
    """The weights file's bytes and their sha256, checked against the pin before any parse."""
    if cfg.weights is None:
        return b"", None
    try:
        with open(cfg.weights, "rb") as fh:  # read once: hash and parse the same bytes
            data = fh.read()
    except OSError as exc:
        raise BackboneError(f"cannot read weights {cfg.weights}: {exc.strerror}") from exc
    digest = sha256_bytes(data)
    if cfg.sha256 is not None and digest != cfg.sha256.strip().lower():
        raise BackboneError(
            f"sha256 mismatch for {cfg.weights}: expected {cfg.sha256}, got {digest}; refusing to load"
        )
    return data, digest


def freeze(model: Any) -> Any:
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def load_backbone(cfg: BackboneConfig) -> tuple[Any, Preprocess, dict[str, Any]]:
    """Return (model in eval mode, array->tensor transform, metadata for provenance)."""
    if cfg.library == "transformers":
        from fairgov.evaluate.hf_backbone import load_transformers

        return load_transformers(cfg)
    if cfg.library == "open_clip":
        from fairgov.evaluate.clip_backbone import load_open_clip

        return load_open_clip(cfg)
    if cfg.library != "timm":
        raise BackboneError(f"unknown backbone library {cfg.library!r}")
    import timm

    if cfg.weights is None and (not cfg.allow_hub or _hub_disabled()):
        why = "allow_hub is false" if not cfg.allow_hub else "HF_HUB_OFFLINE is set"
        raise BackboneError(
            f"no local weights for {cfg.architecture!r} and hub download is off ({why})"
        )
    data, digest = read_weights(cfg)
    try:
        model = timm.create_model(cfg.architecture, pretrained=cfg.weights is None, num_classes=0)
    except Exception as exc:
        raise BackboneError(f"cannot build architecture {cfg.architecture!r}: {exc}") from exc
    if cfg.weights is not None:
        state = load_state_dict_bytes(data, _suffix(cfg.weights), str(cfg.weights))
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


def _suffix(path: os.PathLike[str] | str) -> str:
    name = os.fspath(path).lower()
    return "." + name.rsplit(".", 1)[-1] if "." in os.path.basename(name) else ""
