"""A frozen open_clip model from local files only, plus its zero-shot text side.

The model config is the built-in open_clip config named ``architecture`` (these ship inside
the package) or a local JSON (``{"model_cfg": ..., "preprocess_cfg": ...}`` as open_clip
writes it, or a bare model config). The model is built randomly initialised with every
"download base tower weights" switch off, then filled from the verified weights bytes.
Preprocessing is open_clip's ``PreprocessCfg`` for the model, with the spec's overrides.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from fairgov.evaluate.cache import canonical_json
from fairgov.evaluate.config import BackboneConfig, BackboneError
from fairgov.evaluate.hashing import sha256_bytes
from fairgov.evaluate.hf_backbone import _read_json, import_library
from fairgov.evaluate.preprocess import Preprocess
from fairgov.evaluate.weights import (
    apply_overrides,
    file_suffix,
    freeze,
    load_into,
    load_state_dict_bytes,
    read_weights,
)

__all__ = ["class_text_embeddings", "load_open_clip", "tokenizer_for"]

_CROP_MODE = {"shortest": "center", "squash": "squash"}


def _model_config(open_clip: Any, cfg: BackboneConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    if cfg.config is not None:
        raw = _read_json(Path(cfg.config), "open_clip model config")
        model_cfg, pre = (
            (raw["model_cfg"], raw.get("preprocess_cfg") or {}) if "model_cfg" in raw else (raw, {})
        )
    else:
        model_cfg, pre = open_clip.get_model_config(cfg.architecture), {}
        if model_cfg is None:
            raise BackboneError(
                f"{cfg.architecture!r} is not a built-in open_clip model config; declare "
                "backbone.config (a local JSON model config)", code="FG461")
    if not isinstance(model_cfg, dict) or not {"vision_cfg", "text_cfg", "embed_dim"} <= set(
        model_cfg
    ):
        raise BackboneError("the open_clip model config needs embed_dim, vision_cfg and text_cfg",
                            code="FG461")
    return copy.deepcopy(model_cfg), dict(pre)


def _build(open_clip: Any, model_cfg: dict[str, Any]) -> Any:
    vision, text = model_cfg["vision_cfg"], model_cfg["text_cfg"]
    if "timm_model_name" in vision:
        vision["timm_model_pretrained"] = False  # never fetch base tower weights
    if "hf_model_name" in text:
        text["hf_model_pretrained"] = False
    custom = model_cfg.pop("custom_text", False) or "hf_model_name" in text
    cls = open_clip.CustomTextCLIP if custom else open_clip.CLIP
    try:
        return cls(**model_cfg)
    except Exception as exc:  # bad field, or a tower that would need the network
        raise BackboneError(f"cannot build the open_clip model: {exc}", code="FG461") from exc


def _data_config(open_clip: Any, model_cfg: dict[str, Any], pre: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import asdict

    from open_clip.transform import PreprocessCfg

    merged = {
        **asdict(PreprocessCfg()),
        "size": model_cfg["vision_cfg"].get("image_size", 224),
        **pre,
    }
    size = merged["size"]
    side = int(size if isinstance(size, int) else size[0])
    mode = _CROP_MODE.get(str(merged.get("resize_mode", "shortest")))
    if mode is None:
        raise BackboneError(f"open_clip resize_mode {merged['resize_mode']!r} is not supported",
                            code="FG461")
    return {
        "input_size": (3, side, side),
        "interpolation": str(merged["interpolation"]),
        "mean": tuple(float(v) for v in merged["mean"]),
        "std": tuple(float(v) for v in merged["std"]),
        "crop_pct": 1.0,
        "crop_mode": mode,
    }


def load_open_clip(cfg: BackboneConfig) -> tuple[Any, Preprocess, dict[str, Any]]:
    if cfg.weights is None:
        raise BackboneError("open_clip backbones need a local weights file", code="FG422")
    open_clip = import_library("open_clip", "open_clip")
    data, digest = read_weights(cfg)  # pinned hash checked before anything is parsed
    model_cfg, pre = _model_config(open_clip, cfg)
    text_cfg = copy.deepcopy(model_cfg["text_cfg"])
    dc = apply_overrides(_data_config(open_clip, model_cfg, pre), cfg)
    model = _build(open_clip, model_cfg)
    state = load_state_dict_bytes(data, file_suffix(cfg.weights), str(cfg.weights))
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    where = cfg.config or f"built-in config {cfg.architecture!r}"
    try:
        load_into(model, state, cfg.architecture)
    except BackboneError as exc:
        raise BackboneError(f"{exc}; does {where} describe these weights?", code="FG462") from exc
    from fairgov.evaluate.pooling import ClipImage

    wrapped = freeze(ClipImage(freeze(model)))
    meta = {
        "architecture": cfg.architecture,
        "library": "open_clip",
        "library_version": getattr(open_clip, "__version__", None),
        "pooling": "clip_image",
        "model_config_sha256": _config_digest(cfg, model_cfg, pre),
        "text_cfg": text_cfg,
        "weights_sha256": digest,
        "sha256_verified": cfg.sha256 is not None,
        "source": "local",
        "num_features": int(model_cfg["embed_dim"]),
        "preprocessing": {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(dc.items())},
    }
    return wrapped, Preprocess(dc), meta


def _config_digest(cfg: BackboneConfig, model_cfg: dict[str, Any], pre: dict[str, Any]) -> str:
    return sha256_bytes(canonical_json({"model_cfg": model_cfg, "preprocess_cfg": pre}).encode())


def tokenizer_for(text_cfg: dict[str, Any]) -> Any:
    """open_clip's BPE tokenizer (its vocabulary ships inside the package: works offline)."""
    if text_cfg.get("hf_tokenizer_name") or text_cfg.get("hf_model_name"):
        raise BackboneError(
            "zero_shot with a Hugging Face text tower needs its tokenizer files, which fairgov "
            "cannot fetch offline; not supported yet", code="FG466")
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer(context_length=int(text_cfg.get("context_length", 77)))


def class_text_embeddings(wrapped: Any, text_cfg: dict[str, Any],
                          prompts: list[list[str]]) -> np.ndarray:
    """One unit vector per class: the mean of its prompts' unit text embeddings, renormalised."""
    import torch

    tok = tokenizer_for(text_cfg)
    model = wrapped.model
    out = []
    with torch.inference_mode():
        for texts in prompts:
            param = next(model.parameters())
            feats = model.encode_text(tok(texts).to(param.device)).float()
            feats = feats / feats.norm(dim=-1, keepdim=True)
            mean = feats.mean(dim=0)
            out.append((mean / mean.norm()).cpu().numpy())
    return np.stack(out)


def logit_scale(wrapped: Any) -> float:
    """The model's learned inverse temperature (exp of ``logit_scale``)."""
    return float(wrapped.model.logit_scale.detach().exp().item())
