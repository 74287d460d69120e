"""Plain configuration dataclasses and error types for the evaluation engine.

These deliberately do not depend on the spec models: the spec layer maps its validated
YAML onto these frozen dataclasses, so the engine can be driven (and tested) without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Runner = Literal["local", "torchrun", "ray"]
RUNNERS: tuple[Runner, ...] = ("local", "torchrun", "ray")
Library = Literal["timm", "transformers", "open_clip"]
Pooling = Literal["cls", "mean_patch", "clip_image"]
#: how a multi-frame DICOM becomes one image: its first frame, its middle frame (the lower
#: of the two for an even count) or the mean of every frame
FramePolicy = Literal["first", "middle", "mean"]
FRAME_POLICIES: tuple[FramePolicy, ...] = ("first", "middle", "mean")
#: the pooling each library uses when the spec declares none (timm: the model's own head-less
#: output, which is not a choice fairgov makes)
DEFAULT_POOLING: dict[str, Pooling | None] = {
    "timm": None, "transformers": "cls", "open_clip": "clip_image"
}
POOLINGS: dict[str, tuple[Pooling, ...]] = {
    "timm": (), "transformers": ("cls", "mean_patch"), "open_clip": ("clip_image",)
}


class EvaluateError(Exception):
    """Base class for every error raised by ``fairgov.evaluate``.

    ``code``: its diagnostic code (fairgov/codes.py). Each class names its default; a raise
    site that knows the cause more precisely passes ``code=``. The build reads this
    attribute, never the message."""

    code: str = "FG400"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ImageError(EvaluateError):
    """An image could not be decoded safely (bad format, bomb, empty, not a file...).

    A decode error of a manifest row becomes that row's FG402 problem, unless the raise site
    passes a more precise code: FG425 (no pixel handler for a compressed DICOM) or FG426 (a
    multi-frame DICOM without a frame policy)."""


class BackboneError(EvaluateError):
    """The backbone could not be built or its weights could not be trusted/loaded.

    Default code FG421 (weights unloadable); a precise cause passes its own."""

    code = "FG421"


class ProbeError(EvaluateError):
    """The linear probe cannot be fitted (e.g. a split holds a single class)."""

    code = "FG424"


@dataclass(frozen=True)
class BackboneConfig:
    """Which frozen feature extractor to run and how to preprocess its input.

    ``weights`` is a local file (safetensors preferred, ``.pt``/``.pth`` loaded with
    ``weights_only=True``). ``sha256`` pins it; loading fails closed on mismatch.
    The optional fields override the library's own preprocessing config for the model.
    ``library`` picks the loader; ``pooling`` the embedding (transformers: ``cls`` token or
    ``mean_patch`` of the patch tokens; open_clip: ``clip_image``, the projected image
    embedding); ``config`` a local model config (transformers ``config.json``, default the one
    beside the weights; open_clip: a JSON model config, default the built-in named
    ``architecture``).
    """

    architecture: str
    weights: Path | None
    sha256: str | None
    allow_hub: bool = False
    input_size: int | None = None
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    crop_pct: float | None = None
    interpolation: str | None = None
    library: Library = "timm"
    pooling: Pooling | None = None
    config: Path | None = None


@dataclass(frozen=True)
class ImageSpec:
    """Decoding overrides; ``windowing`` = (center, width) replaces DICOM VOI windows;
    ``frames`` turns a multi-frame DICOM into one image (None: such a file is an error)."""

    windowing: tuple[float, float] | None = None
    frames: FramePolicy | None = None


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide ``runner="ray"`` runs.

    ``address`` None connects to ``RAY_ADDRESS`` when set, else starts a local cluster.
    ``actors`` None = one per GPU (when the actors get GPUs), else cluster CPUs // CPUs per
    actor. ``cpus_per_actor`` None = the forward pass's thread count on CPU, 1 with GPUs.
    ``gpus_per_actor`` None = 1 when the cluster has GPUs and the device is not cpu.
    """

    address: str | None = None
    actors: int | None = None
    cpus_per_actor: float | None = None
    gpus_per_actor: float | None = None


@dataclass(frozen=True)
class RunConfig:
    """Execution knobs that must not change results (only speed and output).

    Rows are embedded in shards of ``shard_size`` rows (rounded up to a multiple of
    ``batch_size``, so every runner forms the same batches); a failed shard is retried up
    to ``retries`` times. ``threads`` is the intra-op thread count of a CPU forward pass
    (None: torch's default in the driving process). On CPU it can change the last bits of an
    embedding, so runners all use the driver's count and the cache key records it.
    """

    batch_size: int = 32
    workers: int = 0
    device: str = "auto"
    progress: bool | None = None
    runner: Runner = "local"
    shard_size: int = 256
    retries: int = 2
    threads: int | None = None
    ray: RayOptions = field(default_factory=RayOptions)


@dataclass(frozen=True)
class ProbeConfig:
    """L2 logistic-regression probe; C is picked on validation AUROC from ``Cs``.

    The L-BFGS fit starts from zero and is deterministic, so ``seed`` currently changes
    nothing; it is kept (and recorded) for probes that will need randomness.
    """

    Cs: tuple[float, ...] = (0.001, 0.01, 0.1, 1, 10, 100)
    max_iter: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class ZeroShotConfig:
    """CLIP zero-shot scoring: prompts per class ``(negative, positive)``, each several
    strings whose unit text embeddings are averaged; ``temperature`` None = the model's own
    learned ``1 / logit_scale``."""

    prompts: tuple[tuple[str, ...], tuple[str, ...]]
    temperature: float | None = None
