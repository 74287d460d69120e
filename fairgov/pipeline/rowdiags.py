"""Row problems of a table (manifest or predictions) as grouped diagnostics.

34 rows with the same blank attribute are one diagnostic, not 34: the count, the first few
lines, and a hint with the remedies (declare what the value means, or drop and report the
rows with `drop_invalid_rows: true`). A diagnostic is located at the first row's line of the
CSV file (+2: the header line, and lines are 1-based).
"""

from __future__ import annotations

import re
from typing import Any

from fairgov.diagnostics import Diagnostic

#: lines listed per group before "and N more"
SHOWN = 5
DROP = (
    "or set `drop_invalid_rows: true` in the evaluation to drop these rows (the build reports them)"
)
_ATTR = re.compile(r"attribute '(?P<col>[^']*)'")


def hint_for(code: str, message: str, columns: dict[str, str] | None = None) -> str:
    """The remedies for a row problem; `columns` maps a manifest column to its attribute name."""
    match = _ATTR.search(message)
    col = match["col"] if match else "<column>"
    where = f"`attributes.{(columns or {}).get(col, col)}.values` in the datasheet"
    if code == "FG404" and message.endswith("is missing"):
        return (f"declare what a blank {col!r} means with the key \"\" in {where} "
                f"(e.g. `\"\": not recorded`), {DROP}")
    if code == "FG404":
        return f"add the value to {where}, {DROP}"
    if code == "FG403":
        return f"correct the label or add it to the label's `classes`, {DROP}"
    if code == "FG425":
        return f"pip install 'fairgov[dicom-compressed]' (or python-gdcm), {DROP}"
    if code == "FG426":
        return ("declare `manifest.image_spec.frames: first | middle | mean` in the datasheet, "
                f"{DROP}")
    if code in ("FG401", "FG402", "FG405"):
        return f"fix the image path or file, {DROP}"
    if code in ("FG411", "FG412", "FG413"):
        return f"correct the predictions file, {DROP}"
    return DROP


def _line(p: Any) -> int:
    return (p.row + 2) if p.row is not None else 1


def row_diagnostics(
    table_rel: str, problems: list[Any], columns: dict[str, str] | None = None
) -> list[Diagnostic]:
    """One diagnostic per (code, message), in order of first appearance."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for p in problems:
        groups.setdefault((p.code, p.message), []).append(p)
    out = []
    for (code, message), rows in groups.items():
        first = rows[0]
        file = f" ({first.file})" if first.file and len(rows) == 1 else ""
        if len(rows) == 1:
            where = f"row {_line(first)}" if first.row is not None else "table"
            text = f"{where}{file}: {message}"
        else:
            lines = [str(_line(p)) for p in rows[:SHOWN]]
            more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
            text = f"{len(rows)} rows (lines {', '.join(lines)}{more}): {message}"
        out.append(
            Diagnostic(
                table_rel, _line(first), 1, code, text, hint=hint_for(code, message, columns)
            )
        )
    return out
