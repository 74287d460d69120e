"""Compressed DICOM pixel data: which pydicom pixel handler decodes a transfer syntax.

pydicom decodes native (uncompressed), deflated and RLE Lossless pixel data itself, JPEG
Baseline/Extended and JPEG 2000 through Pillow; JPEG Lossless, JPEG-LS and HTJ2K need an
optional handler (pylibjpeg with its libjpeg / openjpeg plugins, or python-gdcm). fairgov's
``dicom-compressed`` extra installs the pylibjpeg family. A file whose handler is missing is
an ``ImageError`` with code FG425 naming the extra, checked before any decoding.

The versions of the installed handlers join the embedding cache key (``handler_versions``):
installing one may change how a file decodes (or make an undecodable file decodable), so
entries computed without it are not reused. Handlers that are absent add nothing to the key,
so caches written before this module existed stay valid.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fairgov.evaluate.config import ImageError

__all__ = ["EXTRA", "HANDLER_DISTS", "check_decodable", "handler_versions"]

EXTRA = "dicom-compressed"
#: the optional pixel-handler distributions pydicom uses when they are installed
HANDLER_DISTS = (
    "pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg", "pylibjpeg-rle", "python-gdcm",
    "pyjpegls",
)


def handler_versions() -> dict[str, str]:
    """{distribution: version} of the installed optional handlers (absent ones left out)."""
    out: dict[str, str] = {}
    for dist in HANDLER_DISTS:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            continue
    return out


def transfer_syntax(ds: Any) -> Any:
    """The file's Transfer Syntax UID (pydicom's guess for a file without file meta)."""
    from pydicom.uid import UID

    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    return UID(str(uid)) if uid else None


def check_decodable(ds: Any) -> None:
    """Raise ``ImageError`` unless an installed handler decodes ``ds``'s pixel data.

    FG425 when pydicom knows the transfer syntax but none of its handlers is installed;
    FG402 when pydicom has no decoder for it at all (a retired or private syntax).
    """
    from pydicom.pixels import get_decoder

    uid = transfer_syntax(ds)
    if uid is None or not uid.is_encapsulated:
        return  # native pixel data (or no file meta: pydicom reads it as native)
    try:
        decoder = get_decoder(uid)
    except NotImplementedError as exc:
        raise ImageError(
            f"pixel data in transfer syntax {uid.name} ({uid}) has no pydicom decoder"
        ) from exc
    if decoder.is_available:
        return
    missing = "; ".join(decoder.missing_dependencies) or "no handler"
    raise ImageError(
        f"pixel data is compressed as {uid.name} ({uid}) and no installed pixel handler "
        f"decodes it: pip install 'fairgov[{EXTRA}]' (or python-gdcm); handlers: {missing}",
        code="FG425",
    )
