"""Partial fine-tuning (last N blocks, LoRA) of tiny timm backbones on CPU."""

from __future__ import annotations

import os

import numpy as np
import pytest

from fairgov.evaluate.config import EvaluateError
from fairgov.evaluate.finetune import FineTuneConfig, embed, fine_tune, last_block_groups

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
os.environ.setdefault("TIMM_FUSED_ATTN", "0")


def _model(arch: str = "test_resnet"):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return timm.create_model(arch, pretrained=False, num_classes=0).eval()


def _data(n: int = 24):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    x = torch.tensor(rng.normal(size=(n, 3, 32, 32)).astype(np.float32))
    x[:, 0, :16] += torch.tensor(y[:, None, None] * 1.5, dtype=torch.float32)
    return x, y


def _state(model):  # type: ignore[no-untyped-def]
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_last_block_groups_of_timm_models() -> None:
    assert {n.split(".")[0] for n in last_block_groups(_model("test_resnet"), 1)} == {"layer4"}
    vit = last_block_groups(_model("test_vit"), 2)
    assert {".".join(n.split(".")[:2]) for n in vit if n.startswith("blocks")} == {
        "blocks.4",
        "blocks.5",
    }
    assert "norm.weight" in vit  # the final norm counts with the last block
    conv = last_block_groups(_model("test_convnext"), 1)
    assert any(n.startswith("head.norm") for n in conv) and any(
        n.startswith("stages.3") for n in conv
    )


def test_cannot_unfreeze_is_fg475() -> None:
    with pytest.raises(EvaluateError, match="has 4") as err:
        last_block_groups(_model("test_resnet"), 5)
    assert err.value.code == "FG475"
    plain = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 8))
    x, y = _data(8)
    with pytest.raises(EvaluateError) as err:
        fine_tune(plain, x, y, FineTuneConfig(blocks=1))
    assert err.value.code == "FG475"


@pytest.mark.parametrize(
    "cfg", [FineTuneConfig(), FineTuneConfig(blocks=1, lora_r=2), FineTuneConfig(blocks=0)]
)
def test_bad_config_is_fg473(cfg: FineTuneConfig) -> None:
    x, y = _data(8)
    with pytest.raises(EvaluateError) as err:
        fine_tune(_model(), x, y, cfg)
    assert err.value.code == "FG473"


@pytest.mark.slow
def test_last_block_fine_tune_trains_only_that_block_and_is_deterministic() -> None:
    model = _model()
    before = _state(model)
    x, y = _data()
    cfg = FineTuneConfig(blocks=1, epochs=3, lr=3e-3, batch_size=8, seed=1)
    res = fine_tune(model, x, y, cfg)
    after = _state(res.model)
    for k, v in before.items():  # the caller's model is untouched
        assert torch.equal(model.state_dict()[k], v)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("layer4") for k in changed)
    assert all(n.startswith("layer4") for n in res.trained)
    assert res.epoch_losses[-1] < res.epoch_losses[0]
    again = fine_tune(model, x, y, cfg)
    for k, v in _state(again.model).items():
        assert torch.equal(v, after[k])
    np.testing.assert_array_equal(again.head[0], res.head[0])
    feats = embed(res.model, x)
    assert feats.shape == (len(y), model.num_features) and feats.dtype == np.float32
    assert not np.allclose(feats, embed(model, x))


@pytest.mark.slow
def test_lora_trains_only_adapters() -> None:
    import peft  # noqa: F401  (the test extra installs it: a missing peft fails, never skips)
    model = _model()
    before = _state(model)
    x, y = _data()
    res = fine_tune(model, x, y, FineTuneConfig(lora_r=2, epochs=3, lr=3e-3, batch_size=8))
    assert res.trained and all("lora_" in n for n in res.trained)
    assert res.trainable_params < 0.2 * res.total_params
    base = {
        k.replace(".base_layer", ""): v for k, v in _state(res.model).items() if "lora_" not in k
    }
    for k, v in before.items():
        assert torch.equal(base[k], v), k
    assert res.epoch_losses[-1] < res.epoch_losses[0]
    assert not np.allclose(embed(res.model, x), embed(model, x))


@pytest.mark.slow
def test_tune_backbone_feeds_the_embedding_pipeline(tmp_path, tiny_backbone) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from fairgov.evaluate.backbone import load_backbone
    from fairgov.evaluate.config import RunConfig
    from fairgov.evaluate.embed import embed_rows
    from fairgov.evaluate.finetune import tune_backbone
    from fairgov.evaluate.hashing import sha256_file

    rng = np.random.default_rng(0)
    paths, y = [], rng.integers(0, 2, 16)
    for i, label in enumerate(y):
        arr = rng.integers(0, 120, (32, 32)).astype(np.uint8)
        arr[:16] += np.uint8(100 * label)
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(arr).save(paths[-1])
    loaded = load_backbone(tiny_backbone)
    cfg = FineTuneConfig(blocks=1, epochs=2, lr=3e-3, batch_size=8)
    tuned, res = tune_backbone(loaded, paths, y, cfg)
    assert tuned[2]["weights_sha256"].startswith("finetune:")
    assert tuned[2]["fine_tune"]["base_weights_sha256"] == loaded[2]["weights_sha256"]
    assert tuned[2]["fine_tune"]["epoch_losses"] == res.epoch_losses
    again, _ = tune_backbone(loaded, paths, y, cfg)
    assert again[2]["weights_sha256"] == tuned[2]["weights_sha256"]  # deterministic digest
    items = [(i, p, sha256_file(p)) for i, p in enumerate(paths)]
    base, _ = embed_rows(items, tiny_backbone, RunConfig(), loaded=loaded)
    ft, meta = embed_rows(items, tiny_backbone, RunConfig(), loaded=tuned)
    assert meta["weights_sha256"] == tuned[2]["weights_sha256"]
    assert not np.allclose(
        np.stack([ft[i] for i in range(16)]), np.stack([base[i] for i in range(16)])
    )
    with pytest.raises(EvaluateError) as err:
        tune_backbone(loaded, paths, y, cfg, runner="ray")
    assert err.value.code == "FG477"


def _manifest(root):  # type: ignore[no-untyped-def]
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(5)
    rows = []
    (root / "imgs").mkdir()
    for i in range(30):
        label = i % 2
        img = rng.integers(0, 60, (24, 24), dtype=np.uint8) + (150 if label else 0)
        Image.fromarray(img.astype(np.uint8)).save(root / "imgs" / f"{i}.png")
        split = ("train", "train", "validation", "test", "train")[i % 5]
        rows.append({"image": f"imgs/{i}.png", "pid": f"p{i}", "label": label, "split": split})
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_run_evaluation_fine_tune_variant(tmp_path, tiny_backbone) -> None:  # type: ignore[no-untyped-def]
    from fairgov.evaluate.cache import Cache
    from fairgov.evaluate.config import RunConfig
    from fairgov.evaluate.run import run_evaluation

    df = _manifest(tmp_path)
    cache = Cache(tmp_path / "cache")
    cfg = FineTuneConfig(blocks=1, epochs=1, lr=3e-3, batch_size=8)

    def run(frame, **kw):  # type: ignore[no-untyped-def]
        return run_evaluation(
            frame, tmp_path, backbone=tiny_backbone, patient_column="pid", split_column="split",
            run=RunConfig(batch_size=8, progress=False), cache=cache, **kw,
        )  # fmt: skip

    base = run(df)
    tuned = run(df, fine_tune=cfg)
    prov = tuned.provenance
    assert prov["weights_sha256"].startswith("finetune:")
    assert prov["fine_tune"]["base_weights_sha256"] == base.provenance["weights_sha256"]
    assert prov["fine_tune"]["train_rows"] == (df["split"] == "train").sum()
    assert prov["cache_misses"] == len(df)  # no baseline embedding is reused for the variant
    assert not np.allclose(tuned.predictions["score"], base.predictions["score"])
    again = run(df, fine_tune=cfg)
    assert again.provenance["cache_hits"] == len(df) and again.provenance["forward_passes"] == 0
    np.testing.assert_array_equal(again.predictions["score"], tuned.predictions["score"])
    # test labels fit nothing: flipping them leaves the tuned weights (digest) unchanged
    flipped = df.copy()
    test = flipped["split"] == "test"
    flipped.loc[test, "label"] = 1 - flipped.loc[test, "label"]
    assert run(flipped, fine_tune=cfg).provenance["weights_sha256"] == prov["weights_sha256"]
    with pytest.raises(EvaluateError) as err:
        run_evaluation(
            df, tmp_path, backbone=tiny_backbone, patient_column="pid", split_column="split",
            run=RunConfig(batch_size=8, progress=False, runner="ray"), fine_tune=cfg,
        )  # fmt: skip
    assert err.value.code == "FG477"
