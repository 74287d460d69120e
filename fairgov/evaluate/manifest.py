"""Manifest reading, hashing, patient-level splitting and row validation.

No torch here: the manifest layer must work (and be testable) without the eval extra.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from fairgov.evaluate.hashing import sha256_bytes, sha256_file
from fairgov.evaluate.images import ImageError, decode, precheck_file
from fairgov.evaluate.problems import CODES, RowProblem

__all__ = ["CODES", "RowProblem", "check_rows", "manifest_hash", "patient_split", "read_manifest"]

DEFAULT_FRACTIONS: dict[str, float] = {"train": 0.6, "validation": 0.2, "test": 0.2}


def read_manifest(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Parquet manifest, chosen by suffix (never by sniffing content).

    CSV cells are read as strings so that ids like ``007`` survive and values compare
    exactly against declared attribute maps; numeric columns can be converted by callers.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(p)
    raise ValueError(f"unsupported manifest format {suffix!r} (use .csv or .parquet)")


def manifest_hash(manifest: str | os.PathLike[str] | pd.DataFrame) -> str:
    """SHA-256 of a manifest file's bytes, or of a DataFrame's canonical CSV form."""
    if isinstance(manifest, pd.DataFrame):
        text = manifest.to_csv(index=False, lineterminator="\n")
        return sha256_bytes(text.encode("utf-8"))
    return sha256_file(manifest)


def patient_split(
    patient_ids: Iterable[object],
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Assign each row a split by hashing its patient id with ``seed``.

    Hashing (not shuffling) makes the assignment independent of row order and stable when
    rows are added; every row of a patient lands in the same split. Fractions are expected
    proportions, not exact counts.
    """
    fr = dict(DEFAULT_FRACTIONS if fractions is None else fractions)
    if not fr or any(v < 0 for v in fr.values()) or not math.isclose(sum(fr.values()), 1.0):
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {fr}")
    names = list(fr)
    edges = np.cumsum([fr[n] for n in names])
    cache: dict[str, str] = {}
    out = []
    for pid in patient_ids:
        key = str(pid)
        if key not in cache:
            digest = hashlib.sha256(f"fairgov-split:{seed}:{key}".encode()).digest()
            u = int.from_bytes(digest[:8], "big") / 2.0**64
            idx = min(int(np.searchsorted(edges, u, side="right")), len(names) - 1)
            cache[key] = names[idx]
        out.append(cache[key])
    return np.asarray(out, dtype=object)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def canonical(value: object) -> str:
    """String form used to compare cells with declared values (``1.0`` -> ``1``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def resolve_image(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """Resolve ``rel`` under ``root``; returns (path, None) or (None, reason it escapes)."""
    p = Path(rel)
    if p.is_absolute() or p.drive:
        return None, f"absolute path {rel!r} is not allowed"
    if ".." in p.parts:
        return None, f"path {rel!r} contains '..'"
    real_root = root.resolve()
    full = (real_root / p).resolve()
    if not full.is_relative_to(real_root):
        return None, f"path {rel!r} resolves outside the data root (symlink?)"
    return full, None


def check_rows(
    df: pd.DataFrame,
    root: str | os.PathLike[str],
    image_column: str,
    label_column: str | None,
    classes: Iterable[object] | None,
    attribute_maps: Mapping[str, Iterable[object]] | None = None,
    drop_invalid: bool = False,
    verify_images: bool = False,
) -> tuple[pd.DataFrame, list[RowProblem], pd.DataFrame]:
    """Validate every row; return (clean rows, problems, dropped rows).

    Cheap checks always run (path safety, existence, regular non-empty file, label and
    attribute values). ``verify_images`` additionally decodes each image now; otherwise
    decode failures surface later, during embedding. When ``drop_invalid`` is False the
    clean frame is the input unchanged and the caller must stop if problems is non-empty.
    """
    root_p = Path(root)
    problems: list[RowProblem] = []
    required = (
        [image_column] + ([label_column] if label_column else []) + list(attribute_maps or {})
    )
    missing_cols = [c for c in required if c not in df.columns]
    if missing_cols:
        problems.append(RowProblem(None, None, "FG408", f"missing columns: {missing_cols}"))
        return (df if not drop_invalid else df.iloc[0:0]), problems, df.iloc[0:0]
    allowed_labels = None if classes is None else {canonical(c) for c in classes}
    maps = {col: {canonical(v) for v in vals} for col, vals in (attribute_maps or {}).items()}
    bad: set[int] = set()
    for pos, rowd in enumerate(df[list(dict.fromkeys(required))].to_dict("records")):
        rel = rowd[image_column]
        file = None if _is_missing(rel) else str(rel)

        def add(code: str, msg: str, _pos: int = pos, _file: str | None = file) -> None:
            problems.append(RowProblem(_pos, _file, code, msg))
            bad.add(_pos)

        if file is None:
            add("FG401", "image path is empty")
        else:
            full, reason = resolve_image(root_p, file)
            if reason is not None or full is None:
                add("FG405", reason or "path escapes root")
            elif not os.path.lexists(full):
                add("FG401", f"image file not found: {file}")
            else:
                try:
                    precheck_file(full)
                    if verify_images:
                        decode(full)
                except ImageError as exc:
                    add("FG402", str(exc))
        if label_column is not None:
            lab = rowd[label_column]
            if _is_missing(lab):
                add("FG403", "label is missing")
            elif allowed_labels is not None and canonical(lab) not in allowed_labels:
                add("FG403", f"label {lab!r} not in declared classes {sorted(allowed_labels)}")
        for col, allowed in maps.items():
            val = rowd[col]
            if _is_missing(val):
                if "" not in allowed:  # a value-map key "" declares what a blank means
                    add("FG404", f"attribute {col!r} is missing")
            elif canonical(val) not in allowed:
                add("FG404", f"attribute {col!r} value {val!r} not in {sorted(allowed)}")
    if not drop_invalid:
        return df, problems, df.iloc[0:0]
    mask = np.zeros(len(df), dtype=bool)
    mask[sorted(bad)] = True
    return df[~mask], problems, df[mask]
