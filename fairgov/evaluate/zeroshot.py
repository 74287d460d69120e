"""Zero-shot scores from a CLIP model: softmax over the classes' prompt embeddings."""

from __future__ import annotations

from typing import Any

import numpy as np

from fairgov.evaluate.clip_backbone import class_text_embeddings, logit_scale
from fairgov.evaluate.config import EvaluateError, ZeroShotConfig

__all__ = ["zero_shot_probabilities", "zero_shot_scores"]


def zero_shot_scores(
    images: np.ndarray, loaded: tuple[Any, Any, dict[str, Any]], zs: ZeroShotConfig
) -> tuple[np.ndarray, dict[str, Any]]:
    """P(positive) per image embedding row, and what was used (for provenance).

    logits = cos(image, class) / temperature; score = softmax over (negative, positive).
    """
    prob, used = zero_shot_probabilities(images, loaded, zs)
    return prob[:, 1], used


def zero_shot_probabilities(
    images: np.ndarray, loaded: tuple[Any, Any, dict[str, Any]], zs: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Softmax over every class's prompt embedding: (rows, classes) probabilities, in the
    order of ``zs.prompts`` (a multiclass task's classes)."""
    model, _, meta = loaded
    if meta.get("library") != "open_clip":
        raise EvaluateError("zero_shot needs an open_clip backbone (a CLIP text tower)",
                            code="FG464")
    empty = [i for i, texts in enumerate(zs.prompts) if not any(t.strip() for t in texts)]
    if len(zs.prompts) < 2 or empty:
        raise EvaluateError(
            f"zero_shot needs prompts for every class (negative, positive); class positions "
            f"without any: {empty or 'fewer than two classes'}", code="FG463")
    text = class_text_embeddings(model, meta["text_cfg"], [list(p) for p in zs.prompts])
    temperature = zs.temperature if zs.temperature is not None else 1.0 / logit_scale(model)
    img = images.astype(np.float64)
    img = img / np.maximum(np.linalg.norm(img, axis=1, keepdims=True), 1e-12)
    logits = img @ text.astype(np.float64).T / temperature
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    used = {"temperature": float(temperature),
            "temperature_source": "spec" if zs.temperature is not None else "model logit_scale"}
    return prob, used
