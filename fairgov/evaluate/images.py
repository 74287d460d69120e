"""Safe image decoding to float32 HxW arrays in [0, 1].

Inputs come from datasets we do not control, so decoding fails loudly and early: a
decompression bomb, an empty file or a FIFO must raise ``ImageError`` (never hang, never
emit a warning that a caller might silence).
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from fairgov.evaluate.config import FramePolicy, ImageError
from fairgov.evaluate.dicom import decode_dicom
from fairgov.evaluate.limits import DEFAULT_MAX_PIXELS, check_pixels, precheck_file

__all__ = ["DEFAULT_MAX_PIXELS", "ImageError", "decode", "precheck_file"]

_DICOM_SUFFIXES = {".dcm", ".dicom", ".dic"}
# Suffix -> Pillow format hint (tried first; Pillow still falls back to sniffing).
_PIL_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}


def _is_dicom(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in _DICOM_SUFFIXES:
        return True
    if suffix in _PIL_FORMATS:
        return False  # known raster suffix: skip the extra open to sniff a DICOM preamble
    with path.open("rb") as fh:
        head = fh.read(132)
    return len(head) == 132 and head[128:132] == b"DICM"


def to_unit(arr: np.ndarray, *, integer_max: float | None = None) -> np.ndarray:
    """Map pixel values to float32 [0, 1]: integers by their type range, floats by min-max.

    Float inputs already inside [0, 1] are kept as they are (a pre-normalised .npy).
    """
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if arr.dtype in (np.uint8, np.uint16) and integer_max in (None, float(np.iinfo(arr.dtype).max)):
        return arr.astype(np.float32) / np.float32(np.iinfo(arr.dtype).max)  # fast exact path
    if np.issubdtype(arr.dtype, np.integer):
        top = integer_max if integer_max is not None else float(np.iinfo(arr.dtype).max)
        lo = 0.0 if arr.dtype.kind == "u" else float(np.iinfo(arr.dtype).min)
        return np.clip((arr.astype(np.float64) - lo) / (top - lo), 0.0, 1.0).astype(np.float32)
    data = arr.astype(np.float64)
    if not np.all(np.isfinite(data)):
        raise ImageError("pixel data contains NaN or infinite values")
    lo, hi = float(data.min()), float(data.max())
    if lo >= 0.0 and hi <= 1.0:
        return data.astype(np.float32)
    if hi == lo:
        return np.zeros(data.shape, dtype=np.float32)
    return ((data - lo) / (hi - lo)).astype(np.float32)


def _decode_npy(path: Path, max_pixels: int | None) -> np.ndarray:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ImageError(f"{path}: not a readable .npy array ({exc})") from exc
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise ImageError(f"{path}: expected a 2-D numeric array, got {arr.shape} {arr.dtype}")
    check_pixels(path, int(arr.shape[0]) * int(arr.shape[1]), max_pixels)
    return to_unit(np.array(arr))


_PIL_LOCK = threading.Lock()


@contextlib.contextmanager
def _strict_pil() -> Iterator[None]:
    """Refuse truncated files even if another library relaxed Pillow globally.

    WeasyPrint (a fairgov dependency) sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` on
    import, which would let a truncated radiograph decode as a partly grey image.
    """
    from PIL import ImageFile

    with _PIL_LOCK:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _decode_pil(path: Path, max_pixels: int | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with _strict_pil(), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            hint = _PIL_FORMATS.get(path.suffix.lower())
            data = io.BytesIO(path.read_bytes())
            try:
                im = Image.open(data, formats=[hint] if hint else None)
            except UnidentifiedImageError:
                if hint is None:
                    raise
                im = Image.open(data)  # wrong suffix: let Pillow sniff every format
            with im:
                check_pixels(path, im.width * im.height, max_pixels)
                im.load()
                return _pil_to_array(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{path}: decompression bomb rejected ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"{path}: unsupported or corrupt image format") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: cannot decode image ({exc})") from exc


def _pil_to_array(im: object) -> np.ndarray:
    from PIL import Image

    assert isinstance(im, Image.Image)
    mode = im.mode
    if mode in {"I;16", "I;16B", "I;16L", "I;16N"}:
        return to_unit(np.asarray(im, dtype=np.uint16), integer_max=65535.0)
    if mode == "I":
        arr = np.asarray(im, dtype=np.int64)
        if arr.size and arr.min() >= 0 and arr.max() <= 65535:
            return to_unit(arr.astype(np.uint16), integer_max=65535.0)
        return to_unit(arr.astype(np.float64))
    if mode == "F":
        return to_unit(np.asarray(im, dtype=np.float32))
    if mode != "L":
        # Radiographs are grayscale; colour inputs are reduced to ITU-R 601 luminance.
        im = im.convert("L")
    return to_unit(np.asarray(im, dtype=np.uint8))


def decode(
    path: str | os.PathLike[str],
    *,
    windowing: tuple[float, float] | None = None,
    max_pixels: int | None = None,
    frames: FramePolicy | None = None,
) -> np.ndarray:
    """Decode PNG/JPEG (8/16-bit), .npy or DICOM into a float32 HxW array in [0, 1].

    ``windowing`` (center, width) overrides DICOM windows; ``frames`` is the policy for a
    multi-frame DICOM (first, middle, mean). ``max_pixels`` lowers the pixel cap below
    Pillow's ``MAX_IMAGE_PIXELS`` (the stricter of the two always wins).
    """
    p = Path(path)
    precheck_file(p)
    if p.suffix.lower() == ".npy":
        out = _decode_npy(p, max_pixels)
    elif _is_dicom(p):
        out = decode_dicom(p, windowing=windowing, max_pixels=max_pixels, frames=frames)
    else:
        out = _decode_pil(p, max_pixels)
    if out.ndim != 2 or out.size == 0:
        raise ImageError(f"{p}: decoded image has unusable shape {out.shape}")
    return np.ascontiguousarray(out, dtype=np.float32)
