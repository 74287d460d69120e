"""Embedding throughput of the real pipeline vs a bare timm forward loop.

Pipeline = ``embed_shard`` (DataLoader -> decode -> timm eval transform -> forward, cache
disabled). Bare = the same model over the same, already preprocessed and batched tensors,
in the same process. The ratio shows what decoding/preprocessing/bookkeeping costs on top
of the forward pass itself (target >= 0.9).

``--library transformers|open_clip`` runs a randomly initialised ViT-B/16-sized model of that
library at its own 224 px preprocessing (transformers ``ViTConfig()`` with CLS pooling;
open_clip's built-in ``ViT-B-16`` config, CLIP image embedding), saved to a temporary
safetensors file and loaded through the normal spec path; ``--arch``/``--input-size`` are then
ignored. For a ViT-B-sized timm model: ``--arch vit_base_patch16_224 --input-size 224``.

Usage: python benchmarks/evaluate.py [--library timm --arch test_byobnet --input-size 64 ...]
Ends with exactly one JSON line: {"library": L, "ratio_to_bare_forward": R, "images_per_second": I}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "specs" / "data")
    ap.add_argument("--arch", default="test_byobnet")
    ap.add_argument("--weights", type=Path, default=None, help="default: the example backbone")
    ap.add_argument("--input-size", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images")
    ap.add_argument("--library", choices=("timm", "transformers", "open_clip"), default="timm")
    args = ap.parse_args()

    import torch

    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.config import BackboneConfig, RunConfig
    from fairgov.evaluate.embed import embed_shard, prepare_model
    from fairgov.evaluate.images import decode
    from fairgov.evaluate.manifest import read_manifest

    df = read_manifest(args.data / "manifest.csv")
    paths = [str(args.data / p) for p in df["image"]]
    paths = paths[: args.limit] if args.limit else paths
    weights = args.weights or (
        args.data / "backbone.safetensors" if args.arch == "test_byobnet" else None
    )
    cfg = BackboneConfig(args.arch, weights, None, input_size=args.input_size, crop_pct=1.0)
    if args.library != "timm":
        cfg = _random_vit_b(args.library)
    elif weights is None:  # benchmark-only random init for architectures without local weights
        import timm

        model = timm.create_model(args.arch, pretrained=False, num_classes=0).eval()
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"fairgov-bench-{args.arch}.safetensors"
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp))
        cfg = BackboneConfig(args.arch, tmp, None, input_size=args.input_size, crop_pct=1.0)
    model, transform, meta = load_backbone(cfg)
    run = RunConfig(batch_size=args.batch_size, workers=args.workers, progress=False)
    rows = list(enumerate(paths))

    tensors = torch.stack([transform(decode(p)) for p in paths])
    batches = list(torch.split(tensors, args.batch_size))

    model = prepare_model(model, "cpu")  # the pipeline's own placement + memory format

    def bare(channels_last: bool = True) -> float:
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        m = model.to(memory_format=fmt)
        t0 = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                m(b.contiguous(memory_format=fmt))
        return time.perf_counter() - t0

    def pipeline() -> float:
        model.to(memory_format=torch.channels_last)
        t0 = time.perf_counter()
        out = embed_shard(rows, model, transform, run)
        elapsed = time.perf_counter() - t0
        assert len(out) == len(rows)
        return elapsed

    bare(), pipeline()  # warm-up (allocator, oneDNN primitive cache, worker start-up paths)
    # Interleave the variants so background load on a shared machine hits all of them alike.
    t_bare, t_cl, t_pipe = float("inf"), float("inf"), float("inf")
    for _ in range(args.repeats):
        t_bare = min(t_bare, bare())
        t_pipe = min(t_pipe, pipeline())
        t_cl = min(t_cl, bare(False))
    n = len(paths)
    ratio = t_bare / t_pipe
    print(
        f"library={args.library} model={meta['architecture']} "
        f"input={meta['preprocessing']['input_size']} images={n} batch={args.batch_size} "
        f"workers={args.workers} torch_threads={torch.get_num_threads()} cpus={os.cpu_count()}"
    )
    print(f"bare forward (NHWC):   {n / t_bare:9.1f} img/s ({t_bare:.3f} s)")
    print(f"bare, NCHW contiguous: {n / t_cl:9.1f} img/s ({t_cl:.3f} s)  [why NHWC is the default]")
    print(f"pipeline (embed_shard): {n / t_pipe:8.1f} img/s ({t_pipe:.3f} s)")
    print(f"ratio pipeline/bare:   {ratio:.3f} (target >= 0.9)")
    print(
        json.dumps(
            {
                "library": args.library,
                "ratio_to_bare_forward": round(ratio, 4),
                "images_per_second": round(n / t_pipe, 1),
            }
        )
    )


def _random_vit_b(library: str):  # noqa: ANN202 - returns a BackboneConfig
    """A random ViT-B/16 of ``library`` in a temporary folder, as a spec would point at it."""
    import tempfile

    import torch
    from safetensors.torch import save_file

    from fairgov.evaluate.config import BackboneConfig

    torch.manual_seed(0)
    folder = Path(tempfile.mkdtemp(prefix=f"fairgov-bench-{library}-"))
    if library == "transformers":
        import transformers

        config = transformers.ViTConfig()  # ViT-B/16, 224 px
        model = transformers.ViTModel(config, add_pooling_layer=False)
        config.to_json_file(folder / "config.json")
        arch, extra = "vit-b-16", {"pooling": "cls"}
    else:
        import open_clip

        model = open_clip.create_model("ViT-B-16", pretrained=None)
        arch, extra = "ViT-B-16", {}
    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()}, folder / "model.safetensors"
    )
    return BackboneConfig(arch, folder / "model.safetensors", None, library=library, **extra)


if __name__ == "__main__":
    main()
