"""Row-level problem records and the catalogue of their codes.

The evaluation engine fails closed: any problem stops the run unless the caller opted in to
dropping invalid rows. Codes are stable identifiers the CLI/report layer can map to
diagnostics; the explanations below are the documentation for each code.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, str] = {
    "FG401": "Image file missing (or the image path cell is empty).",
    "FG402": "Image unreadable: empty file, not a regular file, unsupported or corrupt format, "
    "decompression bomb, or DICOM without pixel data.",
    "FG403": "Label missing or outside the declared classes.",
    "FG404": "Attribute value missing or not declared in the attribute's value map.",
    "FG405": "Image path escapes the data root (absolute path, '..', or a symlink leading "
    "outside the root).",
    "FG406": "Split value is not one of the declared splits (train/validation/test).",
    "FG407": "A patient appears in more than one split (patient-level leakage).",
    "FG408": "Required column missing from the table.",
    "FG410": "Patient id missing (patient-level splitting and leakage checks need it).",
    "FG411": "Prediction id duplicated.",
    "FG412": "Prediction score missing, non-finite or outside [0, 1].",
    "FG413": "Prediction id not present in the manifest.",
    "FG414": "Manifest row has no prediction.",
    "FG415": "Prediction label missing or outside the declared classes.",
    "FG425": "Compressed DICOM pixel data and no installed pixel handler decodes it "
    "(pip install 'fairgov[dicom-compressed]').",
    "FG426": "Multi-frame DICOM and the datasheet declares no frame policy "
    "(manifest.image_spec.frames).",
}

#: codes a decode error may carry besides the default FG402 (see ``tag``)
_DEFAULT_DECODE_CODE = "FG402"


def tag(code: str, message: str) -> str:
    """A decode error as the text that travels through runners and shard files: the message,
    prefixed with its code unless it is the default FG402 (so old cached texts still read)."""
    return message if code == _DEFAULT_DECODE_CODE or code not in CODES else f"[{code}] {message}"


def untag(text: str) -> tuple[str, str]:
    """``tag``'s inverse: (code, message); untagged texts are FG402."""
    if text.startswith("[FG") and "] " in text[:8]:
        code, _, message = text[1:].partition("] ")
        if code in CODES:
            return code, message
    return _DEFAULT_DECODE_CODE, text


@dataclass(frozen=True)
class RowProblem:
    """One problem with one table row. ``row`` is the 0-based row position (None = table)."""

    row: int | None
    file: str | None
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")
