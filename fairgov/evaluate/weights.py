"""Pinned weights: read, verify, deserialise and load a state dict (every backbone library).

A leaf below ``backbone`` (timm) and ``hf_backbone`` / ``clip_backbone``.

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

__all__ = [
    "apply_overrides",
    "file_suffix",
    "freeze",
    "load_into",
    "load_state_dict_bytes",
    "read_weights",
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
            f"sha256 mismatch for {cfg.weights}: expected {cfg.sha256}, got {digest}; "
            "refusing to load",
            code="FG420",
        )
    return data, digest


def freeze(model: Any) -> Any:
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def file_suffix(path: os.PathLike[str] | str) -> str:
    name = os.fspath(path).lower()
    return "." + name.rsplit(".", 1)[-1] if "." in os.path.basename(name) else ""
