"""transformers and open_clip backbones: tiny random models saved locally (safetensors)
and loaded through BackboneConfig; embeddings equal a bare forward pass with the same pooling;
bad files give coded BackboneErrors; zero-shot scores equal a hand computation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig, BackboneError, RunConfig, ZeroShotConfig

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
open_clip = pytest.importorskip("open_clip")

REPO = Path(__file__).resolve().parents[2]
IMAGES = sorted((REPO / "specs" / "data" / "images").glob("P000*.png"))[:6]
CLIP_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}


def _save(model, path: Path) -> str:
    from safetensors.torch import save_file

    from fairgov.evaluate.hashing import sha256_file

    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith("pooler.")},
        path,
    )
    return sha256_file(path)


def _hf(tmp: Path, kind: str, hidden: int = 32):
    torch.manual_seed(0)
    cls = {"vit": transformers.ViTConfig, "dinov2": transformers.Dinov2Config}[kind]
    cfg = cls(hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
              image_size=32, patch_size=8)
    model = transformers.AutoModel.from_config(cfg).eval()
    tmp.mkdir(parents=True, exist_ok=True)
    cfg.to_json_file(tmp / "config.json")
    return model, tmp / "model.safetensors", _save(model, tmp / "model.safetensors")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory):
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("clip")
    model = open_clip.CLIP(**json.loads(json.dumps(CLIP_CFG))).eval()
    (d / "clip.json").write_text(json.dumps(CLIP_CFG))
    sha = _save(model, d / "clip.safetensors")
    return model, BackboneConfig(
        architecture="tiny-clip",
        weights=d / "clip.safetensors",
        sha256=sha,
        library="open_clip",
        config=d / "clip.json",
    )


def _bare(pre, forward) -> np.ndarray:
    from fairgov.evaluate.images import decode

    with torch.inference_mode():
        return np.stack([forward(pre(decode(p)).unsqueeze(0))[0].numpy() for p in IMAGES])


@pytest.mark.parametrize("kind,pooling", [("vit", "cls"), ("dinov2", "mean_patch")])
def test_transformers_pipeline_equals_bare_forward(tmp_path: Path, kind: str, pooling: str) -> None:
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.cache import Cache
    from fairgov.evaluate.embed import embed_images

    model, weights, sha = _hf(tmp_path / kind, kind)
    cfg = BackboneConfig(
        architecture=kind, weights=weights, sha256=sha, library="transformers", pooling=pooling
    )
    got = embed_images(IMAGES, cfg, RunConfig(batch_size=4), Cache(tmp_path / "cache"))
    _, pre, meta = load_backbone(cfg)
    assert (
        meta["pooling"] == pooling and meta["library"] == "transformers" and meta["sha256_verified"]
    )

    def forward(x):
        tokens = model(pixel_values=x).last_hidden_state
        return tokens[:, 0] if pooling == "cls" else tokens[:, 1:].mean(dim=1)

    np.testing.assert_allclose(got, _bare(pre, forward), atol=1e-5)
    again = embed_images(IMAGES, cfg, RunConfig(batch_size=3), Cache(tmp_path / "cache"))
    np.testing.assert_array_equal(again, got)  # read back from the cache


def test_open_clip_pipeline_equals_encode_image(tmp_path: Path, clip) -> None:
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.embed import embed_images

    model, cfg = clip
    got = embed_images(IMAGES, cfg, RunConfig(batch_size=4))
    _, pre, meta = load_backbone(cfg)
    assert meta["pooling"] == "clip_image" and got.shape == (len(IMAGES), 16)
    assert meta["preprocessing"]["interpolation"] == "bicubic"  # open_clip's PreprocessCfg
    np.testing.assert_allclose(got, _bare(pre, model.encode_image), atol=1e-5)


def test_pooling_library_and_config_are_in_the_cache_key(tmp_path: Path) -> None:
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.embed import cache_base

    _, weights, sha = _hf(tmp_path / "vit", "vit")
    bases = [
        cache_base(
            load_backbone(
                BackboneConfig(
                    architecture="vit",
                    weights=weights,
                    sha256=sha,
                    library="transformers",
                    pooling=p,
                )
            )[2],
            None,
            "cpu",
            1,
        )
        for p in ("cls", "mean_patch")
    ]
    assert bases[0]["pooling"] == "cls" and bases[1]["pooling"] == "mean_patch"
    assert bases[0]["library"] == "transformers" and len(bases[0]["model_config_sha256"]) == 64


def test_config_that_does_not_fit_the_weights(tmp_path: Path) -> None:
    from fairgov.evaluate.backbone import load_backbone

    _, weights, sha = _hf(tmp_path / "a", "vit", hidden=32)
    _hf(tmp_path / "b", "vit", hidden=16)
    cfg = BackboneConfig(architecture="vit", weights=weights, sha256=sha, library="transformers",
                         config=tmp_path / "b" / "config.json")
    with pytest.raises(BackboneError, match="shape mismatches") as err:
        load_backbone(cfg)
    assert err.value.code == "FG462"
    (tmp_path / "c").mkdir()
    bad = BackboneConfig(architecture="vit", weights=weights, sha256=sha, library="transformers",
                         config=tmp_path / "c" / "config.json")
    with pytest.raises(BackboneError) as err:
        load_backbone(bad)
    assert err.value.code == "FG461"


def test_pinned_hash_is_checked_before_parsing(tmp_path: Path, clip) -> None:
    from fairgov.evaluate.backbone import load_backbone

    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not safetensors")
    cfg = BackboneConfig(
        architecture="tiny-clip",
        weights=junk,
        sha256="0" * 64,
        library="open_clip",
        config=clip[1].config,
    )
    with pytest.raises(BackboneError, match="sha256 mismatch"):
        load_backbone(cfg)


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from fairgov.evaluate import hf_backbone

    monkeypatch.setitem(sys.modules, "open_clip", None)  # what `import open_clip` sees uninstalled
    with pytest.raises(BackboneError, match=r"pip install 'fairgov\[open_clip\]'") as err:
        hf_backbone.import_library("open_clip", "open_clip")
    assert err.value.code == "FG460"


def test_zero_shot_scores_equal_a_hand_computation(clip) -> None:
    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.embed import embed_images
    from fairgov.evaluate.zeroshot import zero_shot_scores

    model, cfg = clip
    loaded = load_backbone(cfg)
    prompts = (("a normal chest radiograph", "no finding"), ("a chest radiograph with a finding",))
    img = embed_images(IMAGES, cfg, RunConfig(batch_size=4))
    scores, used = zero_shot_scores(img, loaded, ZeroShotConfig(prompts=prompts, temperature=0.05))
    tok = open_clip.tokenizer.SimpleTokenizer(context_length=16)  # bundled BPE vocab: offline
    with torch.inference_mode():
        text = []
        for texts in prompts:
            t = torch.nn.functional.normalize(model.encode_text(tok(list(texts))), dim=-1).mean(0)
            text.append(torch.nn.functional.normalize(t, dim=0))
        logits = (
            torch.nn.functional.normalize(torch.from_numpy(img), dim=-1)
            @ torch.stack(text).T
            / 0.05
        )
        want = logits.softmax(dim=1)[:, 1].numpy()
    np.testing.assert_allclose(scores, want, atol=1e-5)
    assert used == {"temperature": 0.05, "temperature_source": "spec"}
    _, default = zero_shot_scores(img, loaded, ZeroShotConfig(prompts=prompts))
    assert default["temperature"] == pytest.approx(1 / float(model.logit_scale.detach().exp()))
