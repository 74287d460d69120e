"""The example project with its backbone swapped for a tiny transformers ViT (linear probe)
and a tiny open_clip model (zero-shot): `fairgov check` runs them and records library,
pooling and prompts in results.json; a changed prompt reruns the scores stage."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
open_clip = pytest.importorskip("open_clip")
pytestmark = pytest.mark.slow  # each builds the 800-image example (~20 s on a busy box)

REPO = Path(__file__).resolve().parents[2]
EVAL = "evaluation/cxr-demo-probe"
CLIP_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}
PROMPTS = (
    'prompts:\n    "0": [a normal chest radiograph, no finding]\n'
    '    "1": [a chest radiograph with a finding]'
)


def _project(tmp: Path, backbone: str) -> Path:
    root = tmp / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    card = root / "modelcard.yaml"
    text = card.read_text()
    text = re.sub(r"    backbone:\n(      .*\n|        .*\n)+", backbone, text)
    card.write_text(text)
    return root


def _save(model, path: Path) -> str:
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith("pooler.")},
        path,
    )
    return sha256_file(path)


def _check(root: Path, out: Path) -> tuple[int, dict, dict]:
    from fairgov.cli.main import main

    rc = main(["check", str(root), "--out", str(out), "--date", "2026-11-28", "--format", "json"])
    results = json.loads((out / "results.json").read_text())
    stats = json.loads((out / "run-stats.json").read_text())[EVAL]
    return rc, results, stats


def _provenance(results: dict) -> dict:
    text = json.dumps(results)
    assert EVAL in text
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "weights_sha256" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(results)
    assert found, "no backbone provenance in results.json"
    return found[0]


def test_transformers_vit_linear_probe_through_the_spec(tmp_path: Path) -> None:
    torch.manual_seed(0)
    cfg = transformers.ViTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=64, image_size=32, patch_size=8)
    model = transformers.AutoModel.from_config(cfg).eval()
    root = _project(
        tmp_path,
        "    backbone:\n      architecture: tiny-vit\n      library: transformers\n"
        "      pooling: mean_patch\n      weights: data/vit/model.safetensors\n"
        "      sha256: SHA\n",
    )
    (root / "data" / "vit").mkdir()
    cfg.to_json_file(root / "data" / "vit" / "config.json")
    sha = _save(model, root / "data" / "vit" / "model.safetensors")
    card = root / "modelcard.yaml"
    card.write_text(card.read_text().replace("SHA", sha))
    rc, results, stats = _check(root, tmp_path / "out")
    prov = _provenance(results)
    assert rc in (0, 1) and stats["images_embedded"] == 800
    assert prov["library"] == "transformers" and prov["pooling"] == "mean_patch"
    assert prov["weights_sha256"] == sha and prov["sha256_verified"] is True
    assert prov["preprocessing"]["mean"] == [0.5, 0.5, 0.5]  # ViTImageProcessor defaults
    proc = {"image_processor_type": "ViTImageProcessor", "size": {"height": 32, "width": 32},
            "image_mean": [0.4, 0.4, 0.4], "image_std": [0.2, 0.2, 0.2]}
    (root / "data" / "vit" / "preprocessor_config.json").write_text(json.dumps(proc))
    _, results2, stats2 = _check(root, tmp_path / "out2")  # the processor file is part of the key
    assert not stats2["stages"]["probe_outputs"]["reused"] and stats2["forward_passes"] > 0
    assert _provenance(results2)["preprocessing"]["mean"] == [0.4, 0.4, 0.4]


def test_open_clip_zero_shot_through_the_spec(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = open_clip.CLIP(**json.loads(json.dumps(CLIP_CFG))).eval()
    root = _project(
        tmp_path,
        "    backbone:\n      architecture: tiny-clip\n      library: open_clip\n"
        "      weights: data/clip.safetensors\n      config: data/clip.json\n",
    )
    (root / "data" / "clip.json").write_text(json.dumps(CLIP_CFG))
    _save(model, root / "data" / "clip.safetensors")
    ev = root / "evaluation.yaml"
    text = re.sub(
        r"protocol:\n  type: linear_probe\n  regularization: .*\n",
        f"protocol:\n  type: zero_shot\n  temperature: 0.05\n  {PROMPTS}\n",
        ev.read_text(),
    )
    # a zero-shot model has no probe to re-fit: the example's DRO variant becomes the one
    # mitigation that applies to given scores (per-group thresholds)
    dro = "    type: group_dro\n    by: [site]\n    step_size: 0.01\n"
    assert dro in text
    thresholds = "    type: group_thresholds\n    by: [site]\n    objective: equal_opportunity\n"
    ev.write_text(text.replace(dro, thresholds))
    rc, results, stats = _check(root, tmp_path / "out")
    prov = _provenance(results)
    assert rc in (0, 1)
    assert prov["library"] == "open_clip" and prov["pooling"] == "clip_image"
    assert prov["zero_shot"]["prompts"] == {"0": ["a normal chest radiograph", "no finding"],
                                           "1": ["a chest radiograph with a finding"]}
    assert prov["zero_shot"]["temperature"] == 0.05
    assert 0 < stats["images_embedded"] < 800  # train rows are not embedded for zero-shot
    ev.write_text(ev.read_text().replace("no finding]", "no abnormality]"))
    _, results2, stats2 = _check(root, tmp_path / "out2")
    assert not stats2["stages"]["probe_outputs"]["reused"]  # prompts are part of the key
    assert stats2["forward_passes"] == 0  # image embeddings are reused from the cache
    assert _provenance(results2)["zero_shot"]["prompts"]["0"] == [
        "a normal chest radiograph",
        "no abnormality",
    ]
