"""Decoding of every supported format, and safe rejection of hostile inputs."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fairgov.evaluate.config import ImageError
from fairgov.evaluate.dicom import parse_age, read_attributes
from fairgov.evaluate.images import decode

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("pydicom")


def test_png_8bit_exact(tmp_path: Path, make_png: Any) -> None:
    arr = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    out = decode(make_png(tmp_path / "a.png", arr))
    assert out.dtype == np.float32 and out.shape == (6, 8)
    np.testing.assert_allclose(out, arr / 255.0, atol=1e-7)


def test_misleading_suffix_still_decodes(tmp_path: Path) -> None:
    Image.fromarray(np.full((3, 3), 51, np.uint8)).save(tmp_path / "really_png.jpg", format="PNG")
    np.testing.assert_allclose(decode(tmp_path / "really_png.jpg"), 0.2, atol=1e-7)


def test_png_16bit_keeps_precision(tmp_path: Path) -> None:
    arr = np.array([[0, 1, 1000], [30000, 65534, 65535]], dtype=np.uint16)
    path = tmp_path / "b.png"
    Image.fromarray(arr).save(path)
    out = decode(path)
    np.testing.assert_allclose(out, arr / 65535.0, atol=1e-7)
    assert out[0, 1] > 0  # a single 16-bit step is not lost to 8-bit quantisation


def test_jpeg_and_rgb_to_luminance(tmp_path: Path, make_png: Any) -> None:
    gray = np.full((16, 16), 128, np.uint8)
    Image.fromarray(gray).save(tmp_path / "c.jpg", quality=95)
    np.testing.assert_allclose(decode(tmp_path / "c.jpg"), 128 / 255, atol=2 / 255)
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 1] = 255
    out = decode(make_png(tmp_path / "rgb.png", rgb))
    assert out.shape == (4, 4)
    np.testing.assert_allclose(out, round(0.587 * 255) / 255, atol=1.5 / 255)


@pytest.mark.parametrize(
    ("arr", "expected"),
    [
        (np.array([[0, 255]], np.uint8), [[0.0, 1.0]]),
        (np.array([[0, 65535]], np.uint16), [[0.0, 1.0]]),
        (np.array([[0.25, 0.5]], np.float32), [[0.25, 0.5]]),
        (np.array([[-1000.0, 1000.0, 0.0]]), [[0.0, 1.0, 0.5]]),
        (np.array([[[0.1], [0.2]]]), [[0.1, 0.2]]),
    ],
)
def test_npy(tmp_path: Path, arr: np.ndarray, expected: list[list[float]]) -> None:
    np.save(tmp_path / "x.npy", arr)
    np.testing.assert_allclose(decode(tmp_path / "x.npy"), expected, atol=1e-6)


def test_npy_rejects_pickles_and_bad_shapes(tmp_path: Path) -> None:
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ImageError, match="npy"):
        decode(tmp_path / "obj.npy")
    np.save(tmp_path / "3d.npy", np.zeros((2, 3, 4)))
    with pytest.raises(ImageError, match="2-D"):
        decode(tmp_path / "3d.npy")
    np.save(tmp_path / "nan.npy", np.array([[np.nan, 1.0]]))
    with pytest.raises(ImageError, match="NaN"):
        decode(tmp_path / "nan.npy")


def test_dicom_rescale_and_file_window(tmp_path: Path, make_dicom: Any) -> None:
    stored = np.array([[0, 100], [200, 300]], np.uint16)
    # HU = 2 * stored - 100 -> [[-100, 100], [300, 500]]; window 200 +- 200.
    p = make_dicom(
        tmp_path / "w.dcm",
        stored,
        RescaleSlope=2,
        RescaleIntercept=-100,
        WindowCenter=200,
        WindowWidth=401,
    )
    hu = stored * 2.0 - 100
    expected = np.clip((hu - 199.5) / 400 + 0.5, 0, 1)
    np.testing.assert_allclose(decode(p), expected, atol=1e-6)


def test_dicom_monochrome1_override_and_minmax(tmp_path: Path, make_dicom: Any) -> None:
    stored = np.array([[0, 50], [100, 200]], np.uint16)
    p = make_dicom(tmp_path / "m1", stored, PhotometricInterpretation="MONOCHROME1")  # no suffix
    np.testing.assert_allclose(decode(p), 1.0 - stored / 200.0, atol=1e-6)
    q = make_dicom(tmp_path / "o.dcm", stored, WindowCenter=1000, WindowWidth=10)
    np.testing.assert_allclose(
        decode(q, windowing=(100.5, 101.0)), np.clip((stored.astype(float) - 100) / 100 + 0.5, 0, 1)
    )


def test_dicom_multivalued_window_uses_first(tmp_path: Path, make_dicom: Any) -> None:
    stored = np.array([[0, 100]], np.uint16)
    p = make_dicom(tmp_path / "mv.dcm", stored, WindowCenter=[50.5, 0], WindowWidth=[101, 1])
    np.testing.assert_allclose(decode(p), [[0.0, 1.0]], atol=1e-6)


def test_dicom_without_pixels_is_an_image_error(tmp_path: Path, make_dicom: Any) -> None:
    p = make_dicom(tmp_path / "np.dcm", np.zeros((2, 2), np.uint16), pixels=False)
    with pytest.raises(ImageError, match="no pixel data"):
        decode(p)


def test_dicom_attributes(tmp_path: Path, make_dicom: Any) -> None:
    p = make_dicom(
        tmp_path / "attr.dcm",
        np.zeros((2, 2), np.uint16),
        PatientSex="F",
        PatientAge="065Y",
        Manufacturer="ACME ",
        ViewPosition="PA",
    )
    attrs = read_attributes(p)
    assert attrs["PatientSex"] == "F"
    assert attrs["PatientAge"] == 65.0
    assert attrs["Manufacturer"] == "ACME"
    assert attrs["ViewPosition"] == "PA"
    assert attrs["BodyPartExamined"] is None and attrs["ManufacturerModelName"] is None


@pytest.mark.parametrize(
    ("raw", "years"),
    [
        ("065Y", 65.0),
        ("006M", 0.5),
        ("052W", 52 * 7 / 365.25),
        ("003D", 3 / 365.25),
        ("", None),
        ("65", None),
    ],
)
def test_parse_age(raw: str, years: float | None) -> None:
    assert parse_age(raw) == (pytest.approx(years) if years is not None else None)


def test_pil_bomb_is_an_error_not_a_warning(
    tmp_path: Path, make_png: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = make_png(tmp_path / "big.png", np.zeros((100, 100), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)  # 10000 px: warning zone for PIL
    with pytest.raises(ImageError, match="exceeds|bomb"):
        decode(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # PIL's own hard error zone
    with pytest.raises(ImageError, match="exceeds|bomb"):
        decode(p)


def test_explicit_pixel_cap_for_every_format(
    tmp_path: Path, make_png: Any, make_dicom: Any
) -> None:
    arr = np.zeros((50, 50), np.uint16)
    np.save(tmp_path / "a.npy", arr)
    paths = [
        make_png(tmp_path / "a.png", arr.astype(np.uint8)),
        tmp_path / "a.npy",
        make_dicom(tmp_path / "a.dcm", arr),
    ]
    for p in paths:
        assert decode(p, max_pixels=2500).shape == (50, 50)
        with pytest.raises(ImageError, match="exceeds"):
            decode(p, max_pixels=2499)


def test_empty_truncated_and_garbage_files(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        decode(tmp_path / "empty.png")
    buf = io.BytesIO()
    Image.fromarray(np.zeros((64, 64), np.uint8) + 7).save(buf, format="PNG")
    (tmp_path / "trunc.png").write_bytes(buf.getvalue()[:60])
    with pytest.raises(ImageError):
        decode(tmp_path / "trunc.png")
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    with pytest.raises(ImageError, match="unsupported or corrupt"):
        decode(tmp_path / "junk.png")
    with pytest.raises(ImageError, match="cannot stat"):
        decode(tmp_path / "missing.png")


def test_truncated_png_rejected_even_if_pillow_was_relaxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import ImageFile

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(
        buf, format="PNG"
    )
    (tmp_path / "t.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what weasyprint does
    with pytest.raises(ImageError):
        decode(tmp_path / "t.png")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for the other library


def test_non_regular_files_never_block(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not a regular file"):
        decode(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.png")
        with pytest.raises(ImageError, match="not a regular file"):
            decode(tmp_path / "fifo.png")
    if os.path.exists("/dev/zero"):
        with pytest.raises(ImageError, match="not a regular file"):
            decode("/dev/zero")
