"""Backbone loading trusts nothing: hash first, weights-only deserialisation, clear errors."""

from __future__ import annotations

import builtins
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fairgov.evaluate.config import BackboneConfig, BackboneError
from fairgov.evaluate.hashing import sha256_file

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
pytestmark = pytest.mark.torch

from fairgov.evaluate import backbone as bb  # noqa: E402


def test_loads_verified_weights_and_builds_transform(tiny_backbone: BackboneConfig) -> None:
    model, transform, meta = bb.load_backbone(tiny_backbone)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert meta["weights_sha256"] == tiny_backbone.sha256 and meta["sha256_verified"]
    assert meta["preprocessing"]["input_size"] == [3, 32, 32]
    x = transform(np.random.default_rng(0).random((50, 70), dtype=np.float32))
    assert tuple(x.shape) == (3, 32, 32) and x.dtype == torch.float32
    assert torch.equal(x[0], x[2])  # grayscale replicated to three channels
    ref = timm.create_model("test_resnet", pretrained=False, num_classes=0)
    ref.load_state_dict(__import__("safetensors.torch").torch.load_file(str(tiny_backbone.weights)))
    assert all(
        torch.equal(a, b)
        for a, b in zip(ref.state_dict().values(), model.state_dict().values(), strict=True)
    )


@pytest.mark.parametrize("crop_pct", [1.0, 0.875])
@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_split_transform_equals_timm_transform(
    tiny_weights: tuple[Path, str], crop_pct: float, interpolation: str
) -> None:
    from timm.data import create_transform

    cfg = BackboneConfig(
        "test_resnet",
        tiny_weights[0],
        None,
        input_size=32,
        crop_pct=crop_pct,
        interpolation=interpolation,
    )
    model, transform, meta = bb.load_backbone(cfg)
    dc = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["preprocessing"].items()}
    ref = create_transform(**dc, is_training=False)
    arr = np.random.default_rng(1).random((45, 61), dtype=np.float32)
    expected = ref(torch.from_numpy(arr).expand(3, -1, -1).contiguous())
    torch.testing.assert_close(transform(arr), expected, rtol=1e-5, atol=1e-5)
    batch = torch.stack([transform.spatial(arr), transform.spatial(arr[::-1].copy())])
    torch.testing.assert_close(transform.finish(batch)[0], expected, rtol=1e-5, atol=1e-5)


def test_sha_mismatch_refuses_before_deserialising(
    tiny_backbone: BackboneConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_load(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("weights were deserialised before the hash check")

    monkeypatch.setattr(bb, "load_state_dict_bytes", must_not_load)
    cfg = BackboneConfig("test_resnet", tiny_backbone.weights, "0" * 64)
    with pytest.raises(BackboneError, match="sha256 mismatch"):
        bb.load_backbone(cfg)


class _Payload:
    """Unpickling this calls exec(): the marker file proves code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return builtins.exec, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize("container", ["torch_save", "raw_pickle"])
def test_malicious_pickle_never_executes(tmp_path: Path, container: str) -> None:
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Payload(control)))
    assert control.exists()  # the payload is live: plain unpickling runs it

    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    obj = {"conv1.weight": torch.zeros(1), "x": _Payload(marker)}
    if container == "torch_save":
        torch.save(obj, path)
    else:
        path.write_bytes(pickle.dumps(obj))
    cfg = BackboneConfig("test_resnet", path, sha256_file(path))
    with pytest.raises(BackboneError, match="weights_only"):
        bb.load_backbone(cfg)
    assert not marker.exists()


def test_wrong_architecture_is_a_clear_error(tiny_backbone: BackboneConfig) -> None:
    cfg = BackboneConfig("test_efficientnet", tiny_backbone.weights, tiny_backbone.sha256)
    with pytest.raises(BackboneError, match="do not match architecture 'test_efficientnet'"):
        bb.load_backbone(cfg)


def test_pth_with_prefix_and_classifier_head(tmp_path: Path) -> None:
    torch.manual_seed(1)
    full = timm.create_model("test_resnet", pretrained=False, num_classes=5)
    state = {f"module.{k}": v for k, v in full.state_dict().items()}
    path = tmp_path / "ckpt.pt"
    torch.save({"state_dict": state}, path)
    model, _, meta = bb.load_backbone(BackboneConfig("test_resnet", path, sha256_file(path)))
    assert meta["num_features"] == model.num_features
    assert torch.equal(model.state_dict()["conv1.0.weight"], full.state_dict()["conv1.0.weight"])


def test_overrides_and_unverified_weights(tiny_backbone: BackboneConfig) -> None:
    cfg = BackboneConfig(
        "test_resnet", tiny_backbone.weights, None, input_size=48, mean=(0.1, 0.2, 0.3),
        std=(1.0, 1.0, 1.0), crop_pct=0.5, interpolation="bicubic",
    )  # fmt: skip
    _, transform, meta = bb.load_backbone(cfg)
    pre = meta["preprocessing"]
    assert (pre["input_size"], pre["mean"], pre["crop_pct"], pre["interpolation"]) == (
        [3, 48, 48], [0.1, 0.2, 0.3], 0.5, "bicubic",
    )  # fmt: skip
    assert meta["sha256_verified"] is False and meta["weights_sha256"] == tiny_backbone.sha256
    assert tuple(transform(np.zeros((10, 10), np.float32)).shape) == (3, 48, 48)


def test_hub_and_bad_inputs_fail_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t0 = time.perf_counter()
    with pytest.raises(BackboneError, match="allow_hub is false"):
        bb.load_backbone(BackboneConfig("resnet18", None, None))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackboneError, match="HF_HUB_OFFLINE"):
        bb.load_backbone(BackboneConfig("resnet18", None, None, allow_hub=True))
    assert time.perf_counter() - t0 < 5
    with pytest.raises(BackboneError, match="cannot read"):
        bb.load_backbone(BackboneConfig("test_resnet", tmp_path / "none.safetensors", None))
    (tmp_path / "w.onnx").write_bytes(b"x")
    with pytest.raises(BackboneError, match="unsupported weights format"):
        bb.load_backbone(BackboneConfig("test_resnet", tmp_path / "w.onnx", None))
    (tmp_path / "w.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(BackboneError, match="architecture|safetensors"):
        bb.load_backbone(BackboneConfig("test_resnet", tmp_path / "w.safetensors", None))
    with pytest.raises(BackboneError, match="cannot build architecture"):
        bb.load_backbone(BackboneConfig("no_such_net_xyz", tmp_path / "w.safetensors", None))
