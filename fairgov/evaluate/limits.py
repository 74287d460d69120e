"""File limits shared by every image decoder (PNG/JPEG/TIFF/.npy in ``images``, DICOM in
``dicom``): regular non-empty files only, and one pixel cap checked before allocating."""

from __future__ import annotations

import os
import stat

from fairgov.evaluate.config import ImageError

__all__ = ["DEFAULT_MAX_PIXELS", "check_pixels", "pixel_cap", "precheck_file"]

# Same ceiling as Pillow's default bomb limit; applied to every format, not just PIL's.
DEFAULT_MAX_PIXELS = 89_478_485

def precheck_file(path: str | os.PathLike[str]) -> int:
    """Raise unless ``path`` is a non-empty regular file; return its size.

    ``stat`` first so that opening a FIFO or a device can never block or stream forever.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ImageError(f"{path}: cannot stat ({exc.strerror})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ImageError(f"{path}: not a regular file")
    if st.st_size == 0:
        raise ImageError(f"{path}: file is empty (0 bytes)")
    return st.st_size


def pixel_cap(max_pixels: int | None) -> int:
    from PIL import Image

    caps = [DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)]
    if Image.MAX_IMAGE_PIXELS:
        caps.append(int(Image.MAX_IMAGE_PIXELS))
    return min(caps)


def check_pixels(path: object, n_pixels: int, max_pixels: int | None) -> None:
    """Reject images whose declared size exceeds the pixel cap, before allocating them."""
    cap = pixel_cap(max_pixels)
    if n_pixels > cap:
        raise ImageError(
            f"{path}: {n_pixels} pixels exceeds the limit of {cap} (possible decompression bomb)"
        )
