"""Croissant 1.0 JSON-LD (with the RAI vocabulary) for a fairgov datasheet.

The dataset is described by its manifest: one `cr:FileObject` with sha256 (so a consumer can
check it holds the same file) and one `cr:RecordSet` whose fields are the manifest columns,
described from the datasheet (labels, patient and split columns, subgroup attributes). The
`contentUrl` is relative to the JSON-LD file, so the export resolves where it was written.
No mlcroissant import: the document is plain JSON; tests validate it with mlcroissant.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from fairgov import __version__
from fairgov.exports.croissant_rai import rai_properties
from fairgov.exports.text import answer
from fairgov.validate import CompiledProject, Entry
from fairgov.validate.paths import resolve_inside

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
ENCODING = {".csv": "text/csv", ".parquet": "application/x-parquet", ".pq": "application/x-parquet"}
DATA_TYPES = {"i": "sc:Integer", "u": "sc:Integer", "f": "sc:Float", "b": "sc:Boolean"}
RECORD_SET = "manifest-rows"


def render(cp: CompiledProject, entry: Entry, out: Path) -> str:
    ds = entry.model
    manifest = resolve_inside(cp.root, ds.manifest.path)
    doc: dict[str, Any] = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": ds.title, "description": answer(ds.motivation.purpose, markdown=False),
        "version": _semver(ds.version), "license": answer(ds.distribution.license, markdown=False),
        "creator": [_person(o) for o in ds.owners],
        "keywords": ["medical imaging", "fairness", *ds.attributes],
        "sdVersion": __version__,
        "distribution": [_file_object(manifest, out)],
        "recordSet": [_record_set(ds, manifest)],
        **rai_properties(ds),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _person(owner: Any) -> dict[str, Any]:
    person = {"@type": "sc:Person", "name": owner.name, "jobTitle": owner.role}
    return {**person, "email": owner.email} if owner.email else person


def _semver(version: str) -> str:
    """Croissant wants MAJOR.MINOR.PATCH: `2` -> `2.0.0`, `1.3` -> `1.3.0`; other forms as given."""
    parts = version.split(".")
    return (
        ".".join(parts + ["0"] * (3 - len(parts)))
        if all(p.isdigit() for p in parts) and len(parts) <= 3
        else version
    )


def _file_object(manifest: Path, out: Path) -> dict[str, Any]:
    rel = os.path.relpath(manifest, out.resolve().parent)
    return {
        "@type": "cr:FileObject",
        "@id": "manifest",
        "name": "manifest",
        "description": "The dataset manifest: one row per image "
        "(image path, patient, split, labels, attributes).",
        "contentUrl": Path(rel).as_posix(),
        "contentSize": f"{manifest.stat().st_size} B",
        "encodingFormat": ENCODING.get(manifest.suffix.lower(), "text/csv"),
        "sha256": _sha256(manifest),
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record_set(ds: Any, manifest: Path) -> dict[str, Any]:
    described = _column_descriptions(ds)
    fields = [{
        "@type": "cr:Field", "@id": f"{RECORD_SET}/{col}", "name": col,
        "description": described.get(col, "Manifest column not described by the datasheet."),
        "dataType": DATA_TYPES.get(kind, "sc:Text"),
        "source": {"fileObject": {"@id": "manifest"}, "extract": {"column": col}},
    } for col, kind in _columns(manifest)]
    return {"@type": "cr:RecordSet", "@id": RECORD_SET, "name": RECORD_SET,
            "description": "Rows of the manifest, one per image.", "field": fields}


def _column_descriptions(ds: Any) -> dict[str, str]:
    m = ds.manifest
    out = {m.patient_column: "Patient (cluster) id."}
    if m.image_column:
        out[m.image_column] = "Image path, relative to the manifest."
    if m.split_column:
        out[m.split_column] = "Split: train, validation or test."
    if m.id_column:
        out[m.id_column] = "Row id."
    for name, label in m.labels.items():
        out[label.column] = (
            f"Label `{name}` ({', '.join(label.classes)}): "
            f"{answer(label.description, markdown=False)}"
        )
    for name, attr in ds.attributes.items():
        if attr.column:
            out[attr.column] = f"Subgroup attribute `{name}`" + (
                f": {attr.description}" if attr.description else "."
            )
    return out


def _columns(manifest: Path) -> list[tuple[str, str]]:
    """(column, numpy dtype kind) of the manifest, as pandas/pyarrow read it."""
    import pandas as pd

    if manifest.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(manifest)
    else:
        frame = pd.read_csv(manifest)
    return [(str(c), frame[c].dtype.kind) for c in frame.columns]
