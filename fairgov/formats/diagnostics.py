"""Diagnostics as text: `file:line:col: CODE message` with the source line and a caret."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fairgov.diagnostics import Diagnostic
from fairgov.formats.location import with_prefix

FORMATS = ("human", "json", "sarif", "github")


def human(diags: Sequence[Diagnostic], sources: dict[str, list[str]] | None = None) -> str:
    sources = sources or {}
    out = []
    for d in diags:
        out.append(f"{d.file}:{d.line}:{d.col}: {d.code} {d.severity}: {d.message}")
        lines = sources.get(d.file)
        if lines and 0 < d.line <= len(lines):
            src = lines[d.line - 1].replace("\t", " ")
            out.append(f"    {src}")
            out.append("    " + " " * (max(d.col, 1) - 1) + "^")
        if d.hint:
            out.append(f"    hint: {d.hint}")
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    out.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(out)


def as_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2, ensure_ascii=False)


def _escape_property(value: str) -> str:
    return (
        value.replace("%", "%25")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
        .replace(":", "%3A")
        .replace(",", "%2C")
    )


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github(diags: Sequence[Diagnostic], prefix: str = "") -> str:
    """GitHub Actions workflow commands (`::error file=..,line=..,col=..::message`).

    `prefix` makes project-relative paths repository-relative (see `location.uri_prefix`)."""
    lines = []
    for d in diags:
        level = "error" if d.is_error else "warning"
        file = _escape_property(with_prefix(d.file, prefix))
        title = _escape_property(d.code)
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        where = f"file={file},line={d.line},col={d.col},title={title}"
        lines.append(f"::{level} {where}::{_escape_data(message)}")
    return "\n".join(lines)
