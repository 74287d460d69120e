"""Read only the header of a dataset manifest (cheap: no pandas import on the validate path)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from fairgov.diagnostics import Diagnostic
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.project import Entry


def read_columns(path: Path) -> list[str]:
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def required_columns(ds) -> Iterator[tuple[str, str]]:
    """(pointer, column) for every column the datasheet names."""
    m = ds.manifest
    if m.image_column:
        yield "/manifest/image_column", m.image_column
    yield "/manifest/patient_column", m.patient_column
    if m.split_column:
        yield "/manifest/split_column", m.split_column
    if m.id_column:
        yield "/manifest/id_column", m.id_column
    for name, label in m.labels.items():
        yield f"/manifest/labels/{name}/column", label.column
    for name, attr in ds.attributes.items():
        if attr.column:
            yield f"/attributes/{name}/column", attr.column


def check_manifest(root: Path, entry: Entry) -> Iterator[Diagnostic]:
    ds = entry.model
    try:
        path = resolve_inside(root, ds.manifest.path)
    except PathEscape:
        return  # reported by the path check
    if not path.is_file():
        return
    try:
        columns = set(read_columns(path))
    except Exception as err:  # noqa: BLE001 - any parse failure is the user's file, not our bug
        yield entry.diag(
            "/manifest/path", "FG306", f"manifest cannot be read: {type(err).__name__}: {err}"
        )
        return
    for pointer, column in required_columns(ds):
        if column not in columns:
            yield entry.diag(pointer, "FG307", f"column {column!r} is not in the manifest",
                             f"columns: {', '.join(sorted(columns))}")
