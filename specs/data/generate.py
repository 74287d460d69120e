"""Generate the fairgov example dataset and backbone, deterministically.

Run ``python specs/data/generate.py`` from the repository root (or anywhere). Writes:

* ``images/P####.png`` - 64x64 8-bit grayscale chest-radiograph-like images, one per
  patient (800 patients), a bright lesion-like blob on positives;
* ``manifest.csv`` - image,patient_id,split,finding,sex,age,site; the split is
  patient-level 60/20/20, stratified by site x finding (see ``stratified_split``) so
  every site has >= 10 test positives, the minimum evidence the example gates ask for;
* ``backbone.safetensors`` - timm ``test_byobnet`` with seeded random weights (256-d
  features). Evaluate it with ``input_size=64, crop_pct=1.0`` (native resolution).

Planted disparity (documented ground truth for the example report):

* site ``river`` mostly serves older patients (age ~ N(81, 8) clipped to 55-95; the other
  sites ~ N(52, 16) clipped to 18-95) and its scanner is much noisier (pixel noise sd 0.45
  vs 0.03), so a probe on the frozen backbone is clearly worse there; through that
  confounding, patients aged 80+ fare worse too;
* findings get more common with age (prevalence 0.20 at <=40 rising to 0.45 at 90+), so
  base rates differ by site and age group;
* sex has no effect on image generation or prevalence: any sex gap is sampling noise.

Everything derives from seeded numpy generators (PCG64); weights are drawn in numpy,
not by torch, and no floating-point training runs, so the bytes are reproducible. PNG
bytes additionally depend on Pillow's zlib build; pixel values do not.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20240601
N_PATIENTS = 800
SIZE = 64
SITES = ("north", "central", "river")
NOISE_SD = {"north": 0.03, "central": 0.03, "river": 0.45}
LESION_AMPLITUDE = 0.8
ARCHITECTURE = "test_byobnet"


def _age(rng: np.random.Generator, site: str) -> int:
    if site == "river":
        return int(np.clip(round(81 + 8 * rng.standard_normal()), 55, 95))
    return int(np.clip(round(52 + 16 * rng.standard_normal()), 18, 95))


def prevalence(age: int) -> float:
    """Findings become more common with age (0.20 at <=40 rising to 0.45 at 90+)."""
    return 0.20 + 0.25 * min(max((age - 40) / 50, 0.0), 1.0)


def _image(rng: np.random.Generator, site: str, positive: bool) -> np.ndarray:
    """Body silhouette, two dark lung fields, rib texture, optional bright lesion, noise."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    body = np.exp(-(((xx - 32) / (26 + 2 * rng.random())) ** 6 + ((yy - 34) / 30) ** 6))
    img = 0.15 + 0.6 * body
    for cx in (20 + 1.5 * rng.standard_normal(), 44 + 1.5 * rng.standard_normal()):
        w, h = 9 + 2 * rng.random(), 18 + 3 * rng.random()
        img -= 0.35 * np.exp(-(((xx - cx) / w) ** 4 + ((yy - 32) / h) ** 4))
    img += 0.04 * np.sin(yy / 2.2 + 2 * np.pi * rng.random()) * body
    if positive:
        cx = (20 if rng.random() < 0.5 else 44) + 4 * rng.standard_normal()
        cy = 32 + 8 * rng.standard_normal()
        r = 2.5 + 2 * rng.random()
        img += LESION_AMPLITUDE * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    img += NOISE_SD[site] * rng.standard_normal((SIZE, SIZE))
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def _png(arr: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr, mode="L").save(buf, format="PNG", optimize=False, compress_level=9)
    return buf.getvalue()


def stratified_split(rows: list[dict[str, object]]) -> list[str]:
    """Patient-level 60/20/20 split, stratified by site x finding.

    Within each stratum patients are ordered by a hash of their id (not by row order) and
    cut at the fractions, so every site gets its share of positives in every split; an
    unstratified split leaves some sites with too few test positives to evaluate.
    """
    strata: dict[tuple[object, object], list[str]] = {}
    for r in rows:
        strata.setdefault((r["site"], r["finding"]), []).append(str(r["patient_id"]))
    assigned: dict[str, str] = {}
    for pids in strata.values():
        pids.sort(key=lambda pid: hashlib.sha256(f"cxr-demo-split:{pid}".encode()).hexdigest())
        n_train, n_val = round(0.6 * len(pids)), round(0.2 * len(pids))
        for k, pid in enumerate(pids):
            assigned[pid] = (
                "train" if k < n_train else "validation" if k < n_train + n_val else "test"
            )
    return [assigned[str(r["patient_id"])] for r in rows]


def build_dataset(out: Path) -> list[dict[str, object]]:
    rng = np.random.default_rng(SEED)
    (out / "images").mkdir(parents=True, exist_ok=True)
    for stale in (out / "images").glob("*.png"):
        stale.unlink()
    rows: list[dict[str, object]] = []
    for i in range(N_PATIENTS):
        pid = f"P{i + 1:04d}"
        site = SITES[int(rng.integers(0, 3))]
        sex = "F" if rng.random() < 0.5 else "M"
        age = _age(rng, site)
        positive = bool(rng.random() < prevalence(age))
        rel = f"images/{pid}.png"
        (out / rel).write_bytes(_png(_image(rng, site, positive)))
        row = {
            "image": rel,
            "patient_id": pid,
            "finding": int(positive),
            "sex": sex,
            "age": age,
            "site": site,
        }
        rows.append(row)
    splits = stratified_split(rows)
    cols = ["image", "patient_id", "split", "finding", "sex", "age", "site"]
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for row, split in zip(rows, splits, strict=True):
            writer.writerow({**row, "split": split})
    return rows


def build_backbone(out: Path) -> str:
    """Seeded Kaiming-uniform weights drawn in numpy for every conv/linear tensor."""
    import timm
    import torch
    from safetensors.numpy import save_file

    torch.manual_seed(SEED)
    model = timm.create_model(ARCHITECTURE, pretrained=False, num_classes=0)
    rng = np.random.default_rng(SEED + 1)
    tensors: dict[str, np.ndarray] = {}
    for name, value in sorted(model.state_dict().items()):
        shape = tuple(value.shape)
        if value.ndim >= 2:
            bound = float(np.sqrt(6.0 / np.prod(shape[1:])))
            tensors[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
        elif name.endswith(("running_var", ".weight")):
            tensors[name] = np.ones(shape, np.float32)
        elif name.endswith("num_batches_tracked"):
            tensors[name] = np.zeros(shape, np.int64)
        else:
            tensors[name] = np.zeros(shape, np.float32)
    path = out / "backbone.safetensors"
    # One metadata key only: safetensors stores metadata in a Rust HashMap whose
    # iteration order (and so the header bytes) is randomised when it holds several keys.
    save_file(tensors, str(path), metadata={"fairgov": f"{ARCHITECTURE} seed={SEED + 1}"})
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    out = HERE
    rows = build_dataset(out)
    digest = build_backbone(out)
    n_pos = sum(int(r["finding"]) for r in rows)
    print(f"images: {len(rows)}  patients: {N_PATIENTS}  positives: {n_pos}")
    print(f"backbone: {ARCHITECTURE}  sha256: {digest}")


if __name__ == "__main__":
    main()
