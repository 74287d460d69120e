"""Backbone bad input gives coded errors, never a traceback: a library that is not installed
names its extra (timm FG423, transformers/open_clip FG460, also through `fairgov check`), a
config that does not fit the weights (timm FG421, open_clip FG462), a weights file whose pinned
sha256 differs (FG420, before parsing), zero-shot without a CLIP model (FG464) or without
prompts for a class (FG463)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig, BackboneError, EvaluateError, ZeroShotConfig

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")
pytest.importorskip("transformers")

REPO = Path(__file__).resolve().parents[2]
CLIP = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}


def _clip(tmp: Path, embed_dim: int = 16) -> BackboneConfig:
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    torch.manual_seed(0)
    cfg = json.loads(json.dumps(CLIP))
    cfg["embed_dim"] = embed_dim
    model = open_clip.CLIP(**cfg)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "clip.json").write_text(json.dumps(cfg))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp / "clip.safetensors")
    return BackboneConfig("tiny-clip", tmp / "clip.safetensors",
                          sha256_file(tmp / "clip.safetensors"), library="open_clip",
                          config=tmp / "clip.json")


def test_timm_not_installed_names_the_eval_extra(
    tiny_backbone: BackboneConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairgov.evaluate.backbone import load_backbone

    monkeypatch.setitem(sys.modules, "timm", None)  # what `import timm` sees uninstalled
    with pytest.raises(BackboneError, match=r"pip install 'fairgov\[eval\]'") as err:
        load_backbone(tiny_backbone)
    assert err.value.code == "FG423"


def test_timm_weights_of_another_architecture(tiny_backbone: BackboneConfig) -> None:
    from fairgov.evaluate.backbone import load_backbone

    other = BackboneConfig("test_efficientnet", tiny_backbone.weights, tiny_backbone.sha256)
    with pytest.raises(BackboneError, match=r"\d+ missing keys") as err:
        load_backbone(other)
    assert err.value.code == "FG421"


def test_open_clip_config_that_does_not_fit_the_weights(tmp_path: Path) -> None:
    from fairgov.evaluate.backbone import load_backbone

    weights = _clip(tmp_path / "a", embed_dim=16)
    other = _clip(tmp_path / "b", embed_dim=8)
    cfg = BackboneConfig("tiny-clip", weights.weights, weights.sha256, library="open_clip",
                         config=other.config)
    with pytest.raises(BackboneError, match="shape mismatches") as err:
        load_backbone(cfg)
    assert err.value.code == "FG462" and str(other.config) in str(err.value)


@pytest.mark.parametrize("library", ["transformers", "open_clip"])
def test_pinned_sha256_mismatch_stops_before_parsing(tmp_path: Path, library: str) -> None:
    from fairgov.evaluate.backbone import load_backbone

    junk = tmp_path / "model.safetensors"
    junk.write_bytes(b"these bytes are never parsed")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "vit"}))
    cfg = BackboneConfig("m", junk, "ab" * 32, library=library,  # type: ignore[arg-type]
                         config=tmp_path / "config.json")
    with pytest.raises(BackboneError, match="sha256 mismatch .* refusing to load") as err:
        load_backbone(cfg)
    assert err.value.code == "FG420"


def test_zero_shot_needs_a_clip_model_and_prompts_for_every_class(tmp_path: Path,
                                                                  tiny_backbone) -> None:
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.zeroshot import zero_shot_scores

    img = np.ones((2, 16), np.float32)
    prompts = (("a normal chest radiograph",), ("a chest radiograph with a finding",))
    with pytest.raises(EvaluateError, match="open_clip backbone") as err:
        zero_shot_scores(img, load_backbone(tiny_backbone), ZeroShotConfig(prompts=prompts))
    assert err.value.code == "FG464"
    clip = load_backbone(_clip(tmp_path))
    for bad in (((), prompts[1]), (prompts[0], ("  ",))):
        with pytest.raises(EvaluateError, match="prompts for every class") as err:
            zero_shot_scores(img, clip, ZeroShotConfig(prompts=bad))  # type: ignore[arg-type]
        assert err.value.code == "FG463"
    scores, _ = zero_shot_scores(img, clip, ZeroShotConfig(prompts=prompts))
    assert scores.shape == (2,) and np.all((scores > 0) & (scores < 1))


@pytest.mark.slow
def test_missing_library_through_check_is_a_coded_evaluation_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fairgov.cli.main import main

    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    card = root / "modelcard.yaml"
    card.write_text(re.sub(
        r"    backbone:\n(      .*\n|        .*\n)+",
        "    backbone:\n      architecture: rad-dino\n      library: transformers\n"
        "      weights: data/model.safetensors\n",
        card.read_text(),
    ))
    (root / "data" / "model.safetensors").write_bytes(b"never read")
    monkeypatch.setitem(sys.modules, "transformers", None)
    rc = main(["check", str(root), "--out", str(tmp_path / "out"), "--date", "2026-11-28"])
    err = capsys.readouterr().err
    ev = json.loads((tmp_path / "out" / "results.json").read_text())["evaluations"]
    ev = ev["evaluation/cxr-demo-probe"]
    assert rc == 1 and ev["status"] == "error" and ev["code"] == "FG460"
    assert "pip install 'fairgov[transformers]'" in ev["error"]
    assert "FG460 error" in err and "Traceback" not in err
