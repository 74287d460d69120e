"""`fairgov verify`: are the inputs a report was built from still the same files?

Recomputes the sha256 of every input named in a results.json (spec files, manifests, weights,
predictions, and every image an evaluation hashed) and reports exactly which ones changed or
disappeared. A PDF report carries its results.json as an embedded attachment.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairgov.validate.paths import PathEscape, resolve_inside


@dataclass(frozen=True)
class Check:
    path: str
    role: str
    expected: str
    actual: str | None  # None: missing or unreadable

    @property
    def status(self) -> str:
        if self.actual is None:
            return "missing"
        return "unchanged" if self.actual == self.expected else "changed"


def load_results(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        data = results_from_pdf(path)
    return json.loads(data.decode("utf-8"))


def results_from_pdf(path: Path) -> bytes:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    for name, contents in reader.attachments.items():
        if name.endswith("results.json"):
            return contents[0]
    raise ValueError("the PDF carries no results.json attachment")


def expected_inputs(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path relative to the project root, role, sha256) for every recorded input."""
    out = [
        (i["path"], i["role"], i["sha256"]) for i in results.get("provenance", {}).get("inputs", [])
    ]
    for ev in results.get("evaluations", {}).values():
        prov = ev.get("provenance") or {}
        manifest = (prov.get("manifest") or {}).get("path")
        base = str(Path(manifest).parent) if manifest else "."
        for rel, digest in (prov.get("files") or {}).items():
            out.append(((Path(base) / rel).as_posix(), "image", digest))
    return sorted(set(out))


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def verify(results: dict[str, Any], root: Path) -> list[Check]:
    checks = []
    for rel, role, digest in expected_inputs(results):
        try:
            path = resolve_inside(root, rel)
        except PathEscape:
            checks.append(Check(rel, role, digest, None))
            continue
        checks.append(Check(rel, role, digest, _sha256(path) if path.is_file() else None))
    return checks
