"""A frozen Hugging Face transformers vision encoder (ViT, DINOv2...) from local files only.

The model is built from a local ``config.json`` (beside the weights, or the spec's
``config``), randomly initialised, then filled from the verified weights bytes (the same
read-hash-parse path as timm). Preprocessing comes from the model's own image processor:
``preprocessor_config.json`` beside the config when present, else the processor class that
transformers registers for the model type with its defaults at the config's ``image_size``;
the spec's overrides apply on top. The hub is never consulted (``HF_HUB_OFFLINE`` is forced
on before import).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fairgov.evaluate.config import BackboneConfig, BackboneError
from fairgov.evaluate.hashing import sha256_file
from fairgov.evaluate.preprocess import Preprocess
from fairgov.evaluate.weights import (
    apply_overrides,
    file_suffix,
    freeze,
    load_into,
    load_state_dict_bytes,
    read_weights,
)

__all__ = ["import_library", "load_transformers", "processor_data_config"]

_RESAMPLE = {0: "nearest", 2: "bilinear", 3: "bicubic"}
_HEADS = ("classifier.", "head.", "pooler.")


def import_library(module: str, extra: str) -> Any:
    """Import a backbone library offline; not installed: a BackboneError naming the extra."""
    import importlib

    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the hub, whatever the caller set
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackboneError(
            f"backbone.library needs {module}, which is not installed: "
            f"pip install 'fairgov[{extra}]' ({exc})",
            code="FG460",
        ) from exc


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackboneError(f"cannot read the {what} {path}: {exc}", code="FG461") from exc
    if not isinstance(data, dict):
        raise BackboneError(f"the {what} {path} is not a JSON object", code="FG461")
    return data


def processor_data_config(proc: Any) -> dict[str, Any]:
    """A transformers image processor's resize/crop/normalise as a timm data config."""
    size, crop = getattr(proc, "size", None), getattr(proc, "crop_size", None)
    interp = _RESAMPLE.get(int(getattr(proc, "resample", 2) or 2), "bicubic")
    mean = tuple(float(v) for v in proc.image_mean)
    std = tuple(float(v) for v in proc.image_std)
    short = getattr(size, "shortest_edge", None) if size is not None else None
    if short and getattr(proc, "do_center_crop", False) and crop is not None and crop.height:
        side = int(crop.height)
        return {"input_size": (3, side, side), "interpolation": interp, "mean": mean, "std": std,
                "crop_pct": side / int(short), "crop_mode": "center"}
    if size is not None and getattr(size, "height", None) and size.height == size.width:
        side = int(size.height)
        return {"input_size": (3, side, side), "interpolation": interp, "mean": mean, "std": std,
                "crop_pct": 1.0, "crop_mode": "squash"}
    raise BackboneError(f"unsupported image processor sizes (size={size}, crop_size={crop})",
                        code="FG461")


def _processor(transformers: Any, folder: Path, model_type: str) -> Any:
    from transformers.models.auto.image_processing_auto import IMAGE_PROCESSOR_MAPPING_NAMES

    path = folder / "preprocessor_config.json"
    data = _read_json(path, "image processor config") if path.is_file() else {}
    names = IMAGE_PROCESSOR_MAPPING_NAMES.get(model_type) or {}
    wanted = str(data.pop("image_processor_type", "") or "")
    for name in (wanted, *(names.values() if isinstance(names, dict) else names)):
        cls = getattr(transformers, name, None) if name else None
        if cls is not None:
            return cls.from_dict(data)
    raise BackboneError(f"no image processor known for model type {model_type!r}", code="FG461")


def load_transformers(cfg: BackboneConfig) -> tuple[Any, Preprocess, dict[str, Any]]:
    if cfg.weights is None:
        raise BackboneError("transformers backbones need a local weights file", code="FG422")
    transformers = import_library("transformers", "transformers")
    config_path = cfg.config or Path(cfg.weights).parent / "config.json"
    data, digest = read_weights(cfg)  # pinned hash checked before anything is parsed
    raw = _read_json(Path(config_path), "model config")
    model_type = raw.pop("model_type", None)
    try:
        config = transformers.AutoConfig.for_model(model_type, **raw)
        model = transformers.AutoModel.from_config(config)
    except Exception as exc:  # unknown model_type, bad fields: the user's file
        raise BackboneError(f"cannot build a transformers model from {config_path}: {exc}",
                            code="FG461") from exc
    state = load_state_dict_bytes(data, file_suffix(cfg.weights), str(cfg.weights))
    state = _adapt(state, model)
    if getattr(model, "pooler", None) is not None and not any(
        k.startswith("pooler.") for k in state
    ):
        model.pooler = None  # unused by both poolings; files saved without it stay loadable
    try:
        load_into(model, state, f"{model_type} ({config_path})")
    except BackboneError as exc:
        raise BackboneError(f"{exc}; does {config_path} describe these weights?",
                            code="FG462") from exc
    pooling = cfg.pooling or "cls"
    if pooling not in ("cls", "mean_patch"):
        raise BackboneError(f"pooling {pooling!r} is not available for transformers", code="FG461")
    skip = 1 + int(getattr(config, "num_register_tokens", 0) or 0)
    from fairgov.evaluate.pooling import TokenPool

    wrapped = freeze(TokenPool(freeze(model), pooling, skip))
    folder = Path(config_path).parent
    dc = processor_data_config(_processor(transformers, folder, str(model_type)))
    has_file = (folder / "preprocessor_config.json").is_file()
    side = getattr(config, "image_size", None)
    if not has_file and isinstance(side, int):  # the class defaults, at the model's own size
        dc["input_size"] = (3, side, side)
    dc = apply_overrides(dc, cfg)
    meta = {
        "architecture": cfg.architecture,
        "library": "transformers",
        "library_version": transformers.__version__,
        "model_type": model_type,
        "pooling": pooling,
        "processor": "preprocessor_config.json" if has_file else "defaults",
        "model_config_sha256": sha256_file(Path(config_path)),
        "weights_sha256": digest,
        "sha256_verified": cfg.sha256 is not None,
        "source": "local",
        "num_features": int(config.hidden_size),
        "preprocessing": {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(dc.items())},
    }
    return wrapped, Preprocess(dc), meta


def _adapt(state: dict[str, Any], model: Any) -> dict[str, Any]:
    expected = model.state_dict()
    prefix = f"{getattr(model, 'base_model_prefix', '')}."
    if prefix != "." and state and not any(k in expected for k in state):
        state = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()}
    return {k: v for k, v in state.items() if k in expected or not k.startswith(_HEADS)}

