"""Partial fine-tuning of a backbone (last N blocks, or a LoRA adapter through peft).

Training-stage mitigation for protocol ``fine_tune``: the backbone plus a fresh linear head
are trained on the TRAIN rows only with a binary cross-entropy loss, then the fine-tuned
backbone embeds every split again and the ordinary linear probe is fitted on those embeddings
(same splits, C grid and selection as the baseline). Runs on CPU for small models.

- ``blocks: N`` unfreezes the last N of timm's parameter groups after the stem
  (``model.group_matcher(coarse=False)``, the groups timm uses for layer-wise learning-rate
  decay: one per block or stage; a trailing group of head parameters, as ConvNeXt's head
  norm, counts with the last block). Models without that structure raise FG475.
- ``lora_r: r`` wraps every linear and 2-d convolution layer in a LoRA adapter of rank r
  (peft; scaling ``lora_alpha / r``); only the adapters train, the base weights never change.

Determinism: parameters of the head and the adapters are drawn after ``torch.manual_seed``;
minibatches are shuffled by a ``torch.Generator`` seeded with ``seed``. The model stays in
eval mode (batch-norm running statistics are not updated, dropout is off), so the same seed,
data and thread count give the same weights. The caller's model is never modified (deep copy).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairgov.evaluate.config import EvaluateError, FramePolicy

__all__ = [
    "FineTuneConfig",
    "FineTuneResult",
    "embed",
    "fine_tune",
    "last_block_groups",
    "tune_backbone",
]


@dataclass(frozen=True)
class FineTuneConfig:
    blocks: int | None = None
    lora_r: int | None = None
    lora_alpha: int = 8
    epochs: int = 1
    lr: float = 1e-3
    batch_size: int = 32
    weight_decay: float = 0.0
    seed: int = 0


@dataclass
class FineTuneResult:
    model: Any = field(repr=False)  # the fine-tuned feature extractor (eval mode, frozen)
    head: tuple[np.ndarray, float] = field(repr=False)
    epoch_losses: list[float]
    trainable_params: int
    total_params: int
    trained: list[str]  # parameter names that were trained


def last_block_groups(model: Any, n: int) -> list[str]:
    """Parameter names of the last ``n`` blocks of a timm model (see the module docstring)."""
    matcher = getattr(model, "group_matcher", None)
    if matcher is None:
        raise EvaluateError(
            f"the backbone ({type(model).__name__}) has no timm block structure to unfreeze; "
            "use a LoRA adapter instead",
            "FG475",
        )
    from timm.models import group_parameters

    groups = [list(v) for v in group_parameters(model, matcher(coarse=False)).values()]
    blocks = groups[1:]  # group 0 is the stem
    if len(blocks) >= 2 and all(re.match(r"head(\.|$)", name) for name in blocks[-1]):
        blocks = blocks[:-2] + [blocks[-2] + blocks[-1]]
    if n > len(blocks):
        raise EvaluateError(
            f"fine_tune asks for the last {n} blocks, but the backbone has {len(blocks)}",
            "FG475",
        )
    return [name for group in blocks[len(blocks) - n :] for name in group]


def _attach_lora(model: Any, r: int, alpha: int) -> Any:
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError as exc:
        raise EvaluateError("LoRA fine-tuning needs peft (pip install peft)", "FG476") from exc
    import torch

    targets = [
        name
        for name, mod in model.named_modules()
        if name and isinstance(mod, torch.nn.Linear | torch.nn.Conv2d)
    ]
    if not targets:
        raise EvaluateError("the backbone has no linear or convolution layer to adapt", "FG476")
    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=targets, lora_dropout=0.0)
    return inject_adapter_in_model(config, model)


def _check(cfg: FineTuneConfig) -> None:
    if (cfg.blocks is None) == (cfg.lora_r is None):
        raise EvaluateError("fine_tune needs exactly one of blocks or a LoRA adapter", "FG473")
    for name in ("blocks", "lora_r", "epochs", "batch_size"):
        v = getattr(cfg, name)
        if v is not None and (not isinstance(v, int) or v < 1):
            raise EvaluateError(
                f"fine_tune {name} must be a positive integer, got {v!r}", "FG473"
            )
    if not (cfg.lr > 0 and np.isfinite(cfg.lr)):
        raise EvaluateError(f"fine_tune lr must be positive, got {cfg.lr!r}", "FG473")


def fine_tune(model: Any, x_train: Any, y_train: np.ndarray, cfg: FineTuneConfig) -> FineTuneResult:
    """Fine-tune a copy of ``model`` (a head-less feature extractor giving (N, F) features)
    on preprocessed train images ``x_train`` (a float tensor, N x C x H x W) and labels."""
    import torch

    _check(cfg)
    y = torch.as_tensor(np.asarray(y_train).astype(bool).astype(np.float32))
    if len(y) != len(x_train):
        raise EvaluateError("train images and labels differ in length", "FG473")
    torch.manual_seed(cfg.seed)
    net = copy.deepcopy(model)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    if cfg.blocks is not None:
        names = set(last_block_groups(net, cfg.blocks))
        for name, p in net.named_parameters():
            if name in names:
                p.requires_grad_(True)
    else:
        assert cfg.lora_r is not None
        net = _attach_lora(net, cfg.lora_r, cfg.lora_alpha)
        net.eval()
        for name, p in net.named_parameters():
            p.requires_grad_("lora_" in name)
    with torch.no_grad():
        dim = int(net(x_train[:1]).shape[-1])
    head = torch.nn.Linear(dim, 1)
    trained = [name for name, p in net.named_parameters() if p.requires_grad]
    params = [p for p in net.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(cfg.seed)
    losses = []
    for _ in range(cfg.epochs):
        order = torch.randperm(len(y), generator=gen)
        total = 0.0
        for start in range(0, len(y), cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            opt.zero_grad()
            loss = loss_fn(head(net(x_train[idx])).squeeze(-1), y[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(y))
    for p in net.parameters():
        p.requires_grad_(False)
    return FineTuneResult(
        model=net,
        head=(head.weight.detach().numpy()[0].copy(), float(head.bias.detach()[0])),
        epoch_losses=losses,
        trainable_params=sum(p.numel() for p in params),
        total_params=sum(p.numel() for p in net.parameters()) + dim + 1,
        trained=trained,
    )


def embed(model: Any, x: Any, batch_size: int = 64) -> np.ndarray:
    """Features of ``x`` under ``model`` (no gradients), float32 (rows x features)."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            out.append(model(x[start : start + batch_size]).float().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def _state_digest(model: Any) -> str:
    import hashlib

    import torch

    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def tune_backbone(
    loaded: tuple[Any, Any, dict[str, Any]],
    train_paths: list[str],
    y_train: np.ndarray,
    cfg: FineTuneConfig,
    *,
    runner: str = "local",
    windowing: tuple[float, float] | None = None,
    frames: FramePolicy | None = None,
) -> tuple[tuple[Any, Any, dict[str, Any]], FineTuneResult]:
    """Fine-tune a loaded backbone ``(model, transform, meta)`` (``load_backbone``'s triple)
    on the TRAIN images and labels; returns the triple to pass as ``embed_rows(loaded=...)``
    for every split, and the training record.

    Cache discipline: the tuned triple's ``meta["weights_sha256"]`` is ``"finetune:"`` plus
    the digest of the tuned tensors, so embedding cache keys (which include it) never mix
    tuned and baseline embeddings, and a deterministic re-run hits the cache for the
    embeddings. ``meta["fine_tune"]`` records the configuration, base weights and result.
    Undecodable train images raise ``ImageError`` (the caller validated the rows already).
    """
    import torch

    from fairgov.evaluate.images import decode

    if runner != "local":
        raise EvaluateError(
            f"fine_tune embeds with the tuned backbone in-process; runner {runner!r} would "
            "rebuild the original backbone (use the local runner)",
            "FG477",
        )
    model, transform, meta = loaded
    x = torch.stack([transform(decode(p, windowing=windowing, frames=frames)) for p in train_paths])
    res = fine_tune(model, x, y_train, cfg)
    tuned_meta = {
        **meta,
        "weights_sha256": "finetune:" + _state_digest(res.model),
        "fine_tune": {
            "base_weights_sha256": meta.get("weights_sha256"),
            "blocks": cfg.blocks,
            "lora": None if cfg.lora_r is None else {"r": cfg.lora_r, "alpha": cfg.lora_alpha},
            "epochs": cfg.epochs,
            "lr": cfg.lr,
            "batch_size": cfg.batch_size,
            "weight_decay": cfg.weight_decay,
            "seed": cfg.seed,
            "train_rows": len(train_paths),
            "epoch_losses": res.epoch_losses,
            "trainable_params": res.trainable_params,
            "total_params": res.total_params,
        },
    }
    return (res.model, transform, tuned_meta), res
