"""FG317: placeholder answers (`TODO`, `not_applicable: TBD`) that remain in a document.

One warning per document, at its first placeholder, with the count and the first few
pointers; `fairgov validate --strict` makes it an error. Placeholders never count as answers
(see `fairgov.spec.placeholders`), so coverage and documentation gates already treat them as
missing: this diagnostic says how many are left to write.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fairgov.diagnostics import Diagnostic
from fairgov.spec.placeholders import is_placeholder
from fairgov.validate.project import CompiledProject

CODE = "FG317"
LISTED = 3


def placeholder_pointers(data: Any, pointer: str = "") -> Iterator[str]:
    """JSON pointers of every placeholder answer in raw document data, in document order."""
    if is_placeholder(data):
        yield pointer or "/"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from placeholder_pointers(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from placeholder_pointers(value, f"{pointer}/{i}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def check_placeholders(cp: CompiledProject) -> list[Diagnostic]:
    out = []
    for entry in cp.entries.values():
        found = list(placeholder_pointers(entry.doc.data))
        if not found:
            continue
        shown = ", ".join(found[:LISTED]) + (
            f" and {len(found) - LISTED} more" if len(found) > LISTED else ""
        )
        out.append(
            entry.diag(
                found[0],
                CODE,
                f"{len(found)} placeholder answer(s) remain ({shown}); they count as unanswered",
                severity="warning",
                hint="write the answer, or `not_applicable: <why it does not apply>`; "
                f"list them with: grep -nE 'TODO|TBD' {entry.doc.relpath}",
            )
        )
    return out
