"""DICOM decoding built with pydicom: multi-frame files and their frame policy, enhanced
multi-frame functional groups, MONOCHROME1/2 with the file's window or an override, compressed
transfer syntaxes (RLE Lossless natively, JPEG 2000 and JPEG Baseline through Pillow, JPEG-LS
through the dicom-compressed extra's pylibjpeg-libjpeg) and a missing pixel handler (FG425);
the policy and the window reach the cache key, the row problems and the provenance."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fairgov.evaluate.config import ImageError, ImageSpec
from fairgov.evaluate.images import decode

pydicom = pytest.importorskip("pydicom")
from pydicom import uid  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402

STACK = np.array(
    [[[0, 100], [200, 300]], [[100, 300], [500, 700]], [[400, 400], [400, 1000]]], np.uint16
)


def _window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    return np.clip((values - (center - 0.5)) / (width - 1) + 0.5, 0.0, 1.0)


def _multi(path: Path, make_dicom: Any, stack: np.ndarray = STACK, **attrs: Any) -> Path:
    return make_dicom(path, stack, **attrs)


def test_frame_policies_pick_or_average_frames(tmp_path: Path, make_dicom: Any) -> None:
    p = _multi(tmp_path / "mf.dcm", make_dicom, WindowCenter=500.5, WindowWidth=1001)
    frames = STACK.astype(float)
    for policy, want in (("first", frames[0]), ("middle", frames[1]), ("mean", frames.mean(0))):
        np.testing.assert_allclose(decode(p, frames=policy), _window(want, 500.5, 1001),
                                   atol=1e-6)
    # an even count: the lower of the two middle frames
    q = _multi(tmp_path / "four.dcm", make_dicom, np.concatenate([STACK, STACK[:1] + 7]))
    np.testing.assert_allclose(decode(q, frames="middle"), (frames[1] - 100) / 600, atol=1e-6)


def test_multi_frame_without_a_policy_is_fg426(tmp_path: Path, make_dicom: Any) -> None:
    p = _multi(tmp_path / "mf.dcm", make_dicom)
    with pytest.raises(ImageError, match="image_spec.frames") as err:
        decode(p)
    assert err.value.code == "FG426"
    single = make_dicom(tmp_path / "one.dcm", STACK[0])  # one frame needs no policy
    np.testing.assert_allclose(decode(single), STACK[0] / 300.0, atol=1e-6)


def test_monochrome1_mean_with_window_override(tmp_path: Path, make_dicom: Any) -> None:
    p = _multi(tmp_path / "m1.dcm", make_dicom, PhotometricInterpretation="MONOCHROME1",
               RescaleSlope=2, RescaleIntercept=-100, WindowCenter=0, WindowWidth=2)
    hu = STACK.astype(float) * 2 - 100
    got = decode(p, frames="mean", windowing=(600.0, 1201.0))
    np.testing.assert_allclose(got, 1.0 - _window(hu.mean(axis=0), 600.0, 1201.0), atol=1e-6)
    # MONOCHROME2, no window anywhere: min-max of the chosen frame
    q = _multi(tmp_path / "m2.dcm", make_dicom)
    np.testing.assert_allclose(decode(q, frames="first"), STACK[0] / 300.0, atol=1e-6)


def test_enhanced_multi_frame_functional_groups(tmp_path: Path, make_dicom: Any) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    p = _multi(tmp_path / "enh.dcm", make_dicom)
    ds = pydicom.dcmread(p)
    per = []
    for slope in (1.0, 2.0, 3.0):  # a different rescale per frame
        item, pvt = Dataset(), Dataset()
        pvt.RescaleSlope, pvt.RescaleIntercept, pvt.RescaleType = slope, -10.0, "US"
        item.PixelValueTransformationSequence = Sequence([pvt])
        per.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    shared, voi = Dataset(), Dataset()
    voi.WindowCenter, voi.WindowWidth = 1000.5, 2001
    shared.FrameVOILUTSequence = Sequence([voi])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.save_as(p, enforce_file_format=True)
    out = STACK.astype(float) * np.array([1.0, 2.0, 3.0])[:, None, None] - 10
    np.testing.assert_allclose(decode(p, frames="middle"), _window(out[1], 1000.5, 2001), atol=1e-6)
    np.testing.assert_allclose(decode(p, frames="mean"), _window(out.mean(0), 1000.5, 2001),
                               atol=1e-6)


def test_rle_lossless_single_and_multi_frame(tmp_path: Path, make_dicom: Any) -> None:
    rng = np.random.default_rng(0)
    stack = rng.integers(0, 4096, (3, 16, 12), dtype=np.uint16)
    p = _multi(tmp_path / "rle.dcm", make_dicom, stack)
    ds = pydicom.dcmread(p)
    ds.compress(uid.RLELossless, encoding_plugin="pydicom")  # pydicom's own RLE encoder
    ds.save_as(p, enforce_file_format=True)
    assert pydicom.dcmread(p).file_meta.TransferSyntaxUID == uid.RLELossless
    def minmax(a: np.ndarray) -> np.ndarray:
        a = a.astype(float)
        return (a - a.min()) / (a.max() - a.min())

    np.testing.assert_allclose(decode(p, frames="mean"), minmax(stack.mean(0)), atol=1e-6)
    np.testing.assert_allclose(decode(p, frames="middle"), minmax(stack[1]), atol=1e-6)
    q = make_dicom(tmp_path / "rle1.dcm", stack[2])
    ds = pydicom.dcmread(q)
    ds.compress(uid.RLELossless, encoding_plugin="pydicom")
    ds.save_as(q, enforce_file_format=True)
    np.testing.assert_allclose(decode(q), minmax(stack[2]), atol=1e-6)


def _pillow_encapsulated(path: Path, make_dicom: Any, arr: np.ndarray, fmt: str, syntax: Any,
                         **save: Any) -> tuple[Path, bytes]:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **save)
    p = make_dicom(path, arr)
    ds = pydicom.dcmread(p)
    ds.file_meta.TransferSyntaxUID = syntax
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.save_as(p, enforce_file_format=True)
    return p, buf.getvalue()


def test_jpeg2000_lossless_through_pillow_is_exact(tmp_path: Path, make_dicom: Any) -> None:
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 256, (20, 24), dtype=np.uint8)
    p, _ = _pillow_encapsulated(tmp_path / "j2k.dcm", make_dicom, arr, "JPEG2000",
                                uid.JPEG2000Lossless, irreversible=False)
    lo, hi = float(arr.min()), float(arr.max())
    np.testing.assert_allclose(decode(p), (arr - lo) / (hi - lo), atol=1e-6)


def test_jpeg_baseline_equals_pillows_own_decode(tmp_path: Path, make_dicom: Any) -> None:
    from PIL import Image

    rng = np.random.default_rng(2)
    arr = (np.add.outer(np.arange(32), np.arange(32)) * 4 + rng.integers(0, 8, (32, 32)))
    arr = arr.clip(0, 255).astype(np.uint8)
    p, data = _pillow_encapsulated(tmp_path / "jpg.dcm", make_dicom, arr, "JPEG",
                                   uid.JPEGBaseline8Bit, quality=90)
    want = np.asarray(Image.open(io.BytesIO(data)), dtype=float)  # lossy: compare decoders
    lo, hi = want.min(), want.max()
    # with the dicom-compressed extra installed pydicom decodes JPEG Baseline with
    # pylibjpeg-libjpeg, whose IDCT rounds some pixels one grey level apart from Pillow's
    # (measured: 41 of 1,024 pixels); the JPEG standard allows that, so one level is the bound
    level = 1.0 if _has("libjpeg") else 0.0
    np.testing.assert_allclose(
        decode(p, windowing=None), (want - lo) / (hi - lo), atol=level / (hi - lo) + 1e-6
    )
    assert np.abs(want - arr).max() > 0  # it really is lossy, not a native copy


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _jpeg_lossless_file(tmp_path: Path, make_dicom: Any) -> Path:
    p = make_dicom(tmp_path / "jll.dcm", STACK[0])
    ds = pydicom.dcmread(p)
    ds.file_meta.TransferSyntaxUID = uid.JPEGLosslessSV1
    ds.PixelData = encapsulate([b"\xff\xd8 not decoded \xff\xd9"])
    ds["PixelData"].VR = "OB"
    ds.save_as(p, enforce_file_format=True)
    return p


def test_missing_pixel_handler_names_the_extra(
    tmp_path: Path, make_dicom: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydicom.pixels import get_decoder

    decoder = get_decoder(uid.JPEGLosslessSV1)
    # what pydicom records when neither pylibjpeg nor gdcm is installed, whatever this
    # machine has
    monkeypatch.setattr(decoder, "_available", {})
    monkeypatch.setattr(decoder, "_unavailable", {"pylibjpeg": ("pylibjpeg>=2.0",)})
    p = _jpeg_lossless_file(tmp_path, make_dicom)
    with pytest.raises(ImageError, match=r"pip install 'fairgov\[dicom-compressed\]'") as err:
        decode(p)
    assert err.value.code == "FG425"
    assert "JPEG Lossless" in str(err.value) and "pylibjpeg>=2.0" in str(err.value)


def test_decode_errors_keep_their_code_through_the_loader(
    tmp_path: Path, make_dicom: Any
) -> None:
    from fairgov.evaluate.loading import RowDataset
    from fairgov.evaluate.problems import tag, untag

    p = _multi(tmp_path / "mf.dcm", make_dicom)
    _, x, text = RowDataset([(7, str(p))], lambda a: a, None)[0]
    assert x is None and untag(text)[0] == "FG426"
    _, x, text = RowDataset([(7, str(p))], lambda a: a, None, "first")[0]
    assert text is None and x.shape == (2, 2)
    assert untag("plain old message") == ("FG402", "plain old message")  # cached before codes
    assert tag("FG402", "m") == "m" and untag(tag("FG425", "m")) == ("FG425", "m")


def test_frame_policy_and_window_are_in_the_cache_key() -> None:
    pytest.importorskip("torch")
    from fairgov.evaluate.embed import cache_base

    meta = {"architecture": "a", "weights_sha256": "w", "preprocessing": {}}
    plain = cache_base(meta, None, "cpu", 1)
    assert "frames" not in plain and plain["windowing"] is None  # undeclared: keys unchanged
    assert cache_base(meta, ImageSpec(), "cpu", 1) == plain
    mean = cache_base(meta, ImageSpec(frames="mean"), "cpu", 1)
    first = cache_base(meta, ImageSpec(frames="first"), "cpu", 1)
    windowed = cache_base(meta, ImageSpec(windowing=(40.0, 400.0)), "cpu", 1)
    assert mean["frames"] == "mean" and first["frames"] == "first"
    assert windowed["windowing"] == [40.0, 400.0]


def test_installed_handlers_join_the_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    from fairgov.evaluate import dicom_codecs, loading

    before = loading.library_versions()
    monkeypatch.setattr(dicom_codecs, "HANDLER_DISTS", ("pydicom", "no-such-handler-dist"))
    monkeypatch.setattr(loading, "handler_versions", dicom_codecs.handler_versions)
    after = loading.library_versions()
    assert "no-such-handler-dist" not in after  # absent handlers add nothing to the key
    assert after["pydicom"] == before["pydicom"] == pydicom.__version__


@pytest.fixture
def dicom_rows(tmp_path: Path, make_dicom: Any) -> tuple[pd.DataFrame, Path]:
    rng = np.random.default_rng(5)
    rows = []
    (tmp_path / "imgs").mkdir()
    for i in range(30):
        label = i % 2
        base = rng.integers(0, 600, (2, 24, 24)) + (1500 if label else 0)
        _multi(tmp_path / "imgs" / f"{i}.dcm", make_dicom, base.astype(np.uint16))
        rows.append({"image": f"imgs/{i}.dcm", "pid": f"p{i}", "label": label,
                     "split": ("train", "train", "validation", "test", "train")[i % 5]})
    return pd.DataFrame(rows), tmp_path


@pytest.mark.slow
def test_run_evaluation_frame_policy_rows_and_provenance(
    dicom_rows: tuple[pd.DataFrame, Path], tiny_backbone: Any
) -> None:
    pytest.importorskip("torch")
    from fairgov.evaluate.config import RunConfig
    from fairgov.evaluate.run import InvalidRowsError, run_evaluation

    df, root = dicom_rows

    def run(**kw: Any) -> Any:
        return run_evaluation(df, root, backbone=tiny_backbone, patient_column="pid",
                              split_column="split", run=RunConfig(batch_size=8, progress=False),
                              **kw)

    with pytest.raises(InvalidRowsError) as err:
        run()
    assert {p.code for p in err.value.problems} == {"FG426"} and len(err.value.problems) == 30
    assert err.value.problems[0].file == "imgs/0.dcm"
    # the message names no path, so the build groups the 30 rows into one diagnostic
    assert {p.message for p in err.value.problems} == {err.value.problems[0].message}
    assert err.value.problems[0].message.startswith("multi-frame DICOM (2 frames)")
    res = run(image_spec=ImageSpec(windowing=(1000.0, 2001.0), frames="mean"))
    assert res.provenance["image_spec"] == {"window": [1000.0, 2001.0], "frames": "mean"}
    assert len(res.predictions) == 12  # validation + test rows
    plain = run(image_spec=ImageSpec(frames="mean"))
    assert plain.provenance["image_spec"] == {"window": None, "frames": "mean"}
    assert not np.allclose(plain.predictions["score"], res.predictions["score"])


def test_jpeg_ls_lossless_decodes_through_the_dicom_compressed_extra() -> None:
    """pydicom's bundled MR_small twice, native and JPEG-LS Lossless: with the extra's
    pylibjpeg-libjpeg installed (CI installs it with the `test` extra) both decode to the same
    image, and the handler's version joins the embedding cache key."""
    pytest.importorskip("libjpeg", reason="the dicom-compressed extra is not installed")
    from pydicom.data import get_testdata_file

    from fairgov.evaluate.dicom_codecs import handler_versions

    native = get_testdata_file("MR_small.dcm")
    jls = get_testdata_file("MR_small_jpeg_ls_lossless.dcm")
    assert pydicom.dcmread(jls).file_meta.TransferSyntaxUID == uid.JPEGLSLossless
    got = decode(jls, windowing=None)
    assert got.shape == (64, 64) and np.unique(got).size > 100  # a real image, not a blank
    np.testing.assert_array_equal(got, decode(native, windowing=None))
    np.testing.assert_array_equal(decode(jls), decode(native))  # the file's own window too
    assert "pylibjpeg-libjpeg" in handler_versions()
