"""DICOM pixel decoding and header attribute extraction (pydicom).

Decoding applies the modality LUT (RescaleSlope/Intercept), then a linear VOI window
(the file's WindowCenter/WindowWidth, or an override), then MONOCHROME1 inversion, so the
array the model sees looks like what a radiologist sees. A multi-frame file is reduced to one
image by the declared frame policy (first, middle or mean of the frames); enhanced
multi-frame objects take each frame's rescale and window from their functional groups.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from fairgov.evaluate.config import FramePolicy, ImageError
from fairgov.evaluate.dicom_codecs import check_decodable
from fairgov.evaluate.limits import check_pixels

__all__ = ["DEFAULT_TAGS", "decode_dicom", "frame_indices", "parse_age", "read_attributes"]

DEFAULT_TAGS: tuple[str, ...] = (
    "PatientSex",
    "PatientAge",
    "Manufacturer",
    "ManufacturerModelName",
    "BodyPartExamined",
    "ViewPosition",
)
_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY])\s*$", re.IGNORECASE)
_AGE_UNIT_YEARS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def parse_age(value: object) -> float | None:
    """DICOM AS value ("065Y", "006M", "010W", "003D") -> age in years; None if invalid."""
    if value is None:
        return None
    m = _AGE.match(str(value))
    if not m:
        return None
    return int(m.group(1)) * _AGE_UNIT_YEARS[m.group(2).upper()]


def _read(path: Path, **kw: Any) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        return pydicom.dcmread(path, **kw)
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError) as exc:
        raise ImageError(f"{path}: not a readable DICOM file ({exc})") from exc


def read_attributes(path: str | Path, tags: Iterable[str] = DEFAULT_TAGS) -> dict[str, object]:
    """Read header attributes by keyword without touching pixel data.

    PatientAge is returned in years (float); other values as stripped strings; absent or
    empty elements as None.
    """
    ds = _read(Path(path), stop_before_pixels=True)
    out: dict[str, object] = {}
    for tag in tags:
        value = ds.get(tag)
        if value is None or (isinstance(value, str) and not value.strip()):
            out[tag] = None
        elif tag == "PatientAge":
            out[tag] = parse_age(value)
        else:
            out[tag] = str(value).strip()
    return out


def _first(value: object) -> float | None:
    """WindowCenter/Width may be multi-valued; the first pair is the default window."""
    if value is None:
        return None
    seq: list[Any] = [value]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        seq = list(value)
    try:
        out = float(seq[0])
    except (TypeError, ValueError, IndexError):
        return None
    return out if math.isfinite(out) else None


def apply_window(data: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2.1 linear window, output scaled to [0, 1]."""
    if width < 1:
        raise ImageError(f"invalid window width {width}")
    if width == 1:
        return (data >= center - 0.5).astype(np.float32)
    y = (data - (center - 0.5)) / (width - 1) + 0.5
    return np.clip(y, 0.0, 1.0).astype(np.float32)


def _group_item(ds: Any, index: int, sequence: str) -> Any:
    """An enhanced multi-frame object's functional group ``sequence`` for frame ``index``:
    the per-frame item first, then the shared one; None when neither has it."""
    per = ds.get("PerFrameFunctionalGroupsSequence")
    if per is not None and index < len(per) and sequence in per[index]:
        return per[index][sequence][0]
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared and sequence in shared[0]:
        return shared[0][sequence][0]
    return None


def _modality(arr: np.ndarray, ds: Any, index: int) -> np.ndarray:
    """The frame's stored values in output units (RescaleSlope/Intercept or Modality LUT)."""
    from pydicom.pixels import apply_modality_lut

    item = _group_item(ds, index, "PixelValueTransformationSequence")
    if item is not None and "RescaleSlope" in item:
        slope, intercept = float(item.RescaleSlope), float(item.get("RescaleIntercept", 0.0))
        return arr.astype(np.float64) * slope + intercept
    return np.asarray(apply_modality_lut(arr, ds), dtype=np.float64)


def _file_window(ds: Any, index: int) -> tuple[float | None, float | None]:
    item = _group_item(ds, index, "FrameVOILUTSequence")
    src = item if item is not None and "WindowCenter" in item else ds
    return _first(src.get("WindowCenter")), _first(src.get("WindowWidth"))


def frame_indices(count: int, policy: FramePolicy | None) -> list[int]:
    """Which frames a policy reads: ``first`` 0, ``middle`` (count - 1) // 2, ``mean`` all."""
    if count == 1:
        return [0]
    if policy is None:
        raise ImageError(
            f"multi-frame DICOM ({count} frames) needs a frame policy: declare "
            "`manifest.image_spec.frames` (first, middle or mean) in the datasheet",
            code="FG426",
        )
    if policy == "mean":
        return list(range(count))
    return [0 if policy == "first" else (count - 1) // 2]


def _frames(ds: Any, count: int, indices: list[int], path: Path) -> list[np.ndarray]:
    """Decode only the frames the policy reads (all of them for ``mean``)."""
    from pydicom.pixels import pixel_array

    try:
        if count == 1:
            return [ds.pixel_array]
        if len(indices) == 1:
            return [pixel_array(ds, index=indices[0])]
        return list(pixel_array(ds))
    except Exception as exc:  # pydicom raises many types for corrupt or odd pixel data
        raise ImageError(f"{path}: cannot decode DICOM pixel data ({exc})") from exc


def _gray(arr: np.ndarray, ds: Any, index: int, path: Path) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[-1] == 3:
        return arr.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    if arr.ndim != 2:
        raise ImageError(f"{path}: unsupported DICOM pixel array shape {arr.shape}")
    return _modality(arr, ds, index)


def decode_dicom(
    path: Path,
    *,
    windowing: tuple[float, float] | None = None,
    max_pixels: int | None = None,
    frames: FramePolicy | None = None,
) -> np.ndarray:
    """Decode a grayscale (or RGB -> luminance) DICOM image into [0, 1].

    A multi-frame file becomes one image by the ``frames`` policy (the mean is taken of the
    frames in output units, before windowing); without a policy it is an FG426 error.
    Compressed pixel data needs an installed pydicom handler (FG425 otherwise).
    """
    ds = _read(path)
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise ImageError(f"{path}: DICOM has no pixel data")
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    count = int(ds.get("NumberOfFrames", 1) or 1)
    if rows <= 0 or cols <= 0:
        raise ImageError(f"{path}: DICOM has no valid Rows/Columns")
    check_pixels(path, rows * cols * count, max_pixels)
    indices = frame_indices(count, frames)
    check_decodable(ds)
    planes = [_gray(a, ds, i, path) for a, i in zip(_frames(ds, count, indices, path), indices,
                                                    strict=True)]
    arr = planes[0] if len(planes) == 1 else np.mean(np.stack(planes), axis=0)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    center, width = windowing if windowing is not None else (None, None)
    if windowing is None and photometric.startswith("MONOCHROME"):
        center, width = _file_window(ds, indices[0])
    if center is not None and width is not None:
        out = apply_window(arr, float(center), float(width))
    else:
        lo, hi = float(arr.min()), float(arr.max())
        out = (
            np.zeros(arr.shape, np.float32)
            if hi == lo
            else ((arr - lo) / (hi - lo)).astype(np.float32)
        )
    if photometric == "MONOCHROME1":
        out = 1.0 - out
    return out
