"""The example's linear probe through the cached stages: a warm check with nothing changed
imports no torch/timm/torchvision; a bootstrap change reruns the measurement but no model;
a changed image or weights file reruns the probe (and the pinned hash still fails closed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EVAL = "evaluation/cxr-demo-probe"
HEAVY = ("torch", "timm", "torchvision")
CHECK = """
import json, sys
from fairgov.cli.main import main
rc = main(["check", sys.argv[1], "--out", sys.argv[2], "--date", "2026-11-28", "--format", "json"])
print(json.dumps({"rc": rc, "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))

pytestmark = pytest.mark.slow


def check(project: Path, out: Path) -> tuple[dict, dict, bytes]:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK, str(project), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    stats = (
        json.loads((out / "run-stats.json").read_text())[EVAL]
        if (out / "run-stats.json").exists()
        else {}
    )
    results = (out / "results.json").read_bytes() if (out / "results.json").exists() else b""
    return last, stats, results


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    root = tmp_path_factory.mktemp("example") / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    first, stats, results = check(root, root.parent / "cold")
    assert first["rc"] == 1 and stats["images_embedded"] == 800  # blocked by the planted disparity
    return root, results


def test_warm_check_imports_no_torch_and_matches_cold(example, tmp_path: Path) -> None:
    root, cold = example
    last, stats, results = check(root, tmp_path / "warm")
    assert last == {"rc": 1, "heavy": []}
    assert stats["stages"]["probe_outputs"]["reused"] and stats["stages"]["measurement"]["reused"]
    assert stats["forward_passes"] == 0 and stats["cache_hits"] == 800
    assert results == cold


def test_bootstrap_change_reruns_measurement_not_the_model(example, tmp_path: Path) -> None:
    root, _ = example
    spec = root / "evaluation.yaml"
    original = spec.read_text()
    try:
        spec.write_text(original.replace("resamples: 2000", "resamples: 400", 1))
        last, stats, _ = check(root, tmp_path / "boot")
    finally:
        spec.write_text(original)
    assert last == {"rc": 1, "heavy": []}
    assert stats["stages"]["probe_outputs"] == {"reused": True, "reason": None}
    assert stats["stages"]["measurement"]["reused"] is False
    assert "evaluation.bootstrap" in stats["stages"]["measurement"]["reason"]


def test_changed_image_reruns_the_probe(example, tmp_path: Path) -> None:
    from PIL import Image

    root, cold = example
    image = root / "data/images/P0001.png"
    original = image.read_bytes()
    try:
        with Image.open(image) as im:
            arr = np.array(im)
        arr.flat[0] = (int(arr.flat[0]) + 128) % 256
        Image.fromarray(arr).save(image)
        _, stats, results = check(root, tmp_path / "img")
    finally:
        image.write_bytes(original)
    assert stats["stages"]["probe_outputs"]["reused"] is False
    assert stats["stages"]["probe_outputs"]["reason"] == "changed: images"
    assert stats["images_embedded"] == 1  # the other 799 embeddings come from the cache
    assert results != cold  # the provenance records the new image hash


def test_changed_weights_are_never_hidden_by_the_cache(example, tmp_path: Path) -> None:
    root, _ = example
    weights = root / "data/backbone.safetensors"
    original = weights.read_bytes()
    try:
        weights.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        last, stats, _ = check(root, tmp_path / "w")
        out = json.loads((tmp_path / "w/results.json").read_text())
    finally:
        weights.write_bytes(original)
    assert last["rc"] == 1
    assert (
        out["evaluations"][EVAL]["status"] == "error"
        and out["evaluations"][EVAL]["code"] == "FG420"
    )
