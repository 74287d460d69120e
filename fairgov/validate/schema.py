"""Stage 2a: a loaded `Document` -> its pydantic model, with errors mapped to file:line:col."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from fairgov.diagnostics import Diagnostic
from fairgov.load import Document, escape_pointer
from fairgov.spec import KINDS
from fairgov.spec.common import API_VERSION

# pydantic error type -> (code, message template)
_CODES = {
    "missing": "FG201",
    "extra_forbidden": "FG203",
    "literal_error": "FG205",
    "enum": "FG205",
    "union_tag_invalid": "FG205",
    "string_pattern_mismatch": "FG206",
    "date_from_datetime_parsing": "FG206",
    "date_parsing": "FG206",
    "date_type": "FG206",
    "string_too_short": "FG207",
    "greater_than": "FG204",
    "greater_than_equal": "FG204",
    "less_than": "FG204",
    "less_than_equal": "FG204",
    "too_short": "FG204",
    "too_long": "FG204",
    "value_error": "FG204",
}


def validate_document(doc: Document) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Validate apiVersion/kind, then the whole document against its model."""
    header = _check_header(doc)
    if header:
        return None, header
    model_cls = KINDS[doc.kind]
    try:
        return model_cls.model_validate(doc.data), []
    except ValidationError as err:
        return None, _map_errors(doc, err)


def _check_header(doc: Document) -> list[Diagnostic]:
    api = doc.data.get("apiVersion")
    kind = doc.data.get("kind")
    out = []
    if api != API_VERSION:
        line, col = doc.position("/apiVersion")
        what = "missing" if api is None else f"{api!r} is not supported"
        out.append(
            Diagnostic(
                doc.relpath,
                line,
                col,
                "FG113",
                f"apiVersion {what}; use {API_VERSION!r}",
                pointer="/apiVersion",
            )
        )
    if kind not in KINDS:
        line, col = doc.position("/kind")
        what = "missing" if kind is None else f"unknown kind {kind!r}"
        out.append(
            Diagnostic(
                doc.relpath,
                line,
                col,
                "FG114",
                f"{what}; expected one of {', '.join(KINDS)}",
                pointer="/kind",
            )
        )
    return out


def _map_errors(doc: Document, err: ValidationError) -> list[Diagnostic]:
    seen: dict[str, Diagnostic] = {}
    for item in err.errors(include_url=False):
        pointer, missing_key = _pointer_for(doc.data, item["loc"])
        if item["type"] in ("union_tag_invalid", "union_tag_not_found") and _has_key(
            doc.data, pointer, "type"
        ):
            pointer += "/type"
        if pointer in seen:
            continue  # one finding per location: union members repeat the same mistake
        seen[pointer] = _diagnostic(doc, item, pointer, missing_key)
    return [d for p, d in seen.items() if not _shadowed(p, d, seen)]


def _shadowed(pointer: str, diag: Diagnostic, seen: dict[str, Diagnostic]) -> bool:
    """A type error on a union is noise when a member reported a precise error deeper down."""
    return diag.code == "FG202" and any(other.startswith(pointer + "/") for other in seen)


def _has_key(data: Any, pointer: str, key: str) -> bool:
    node = data
    for part in [p for p in pointer.split("/")[1:]]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = (
            node[int(part)]
            if isinstance(node, list)
            else node.get(part)
            if isinstance(node, dict)
            else None
        )
    return isinstance(node, dict) and key in node


def _pointer_for(data: Any, loc: tuple[Any, ...]) -> tuple[str, str | None]:
    """Walk `loc` through the data, skipping pydantic's union/tag components."""
    pointer, node = "", data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            pointer, node = f"{pointer}/{escape_pointer(part)}", node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            pointer, node = f"{pointer}/{part}", node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part == loc[-1]:
            return pointer, part
    return pointer, None


def _diagnostic(doc: Document, item: Any, pointer: str, missing_key: str | None) -> Diagnostic:
    etype = item["type"]
    code = _CODES.get(
        etype, "FG202" if etype.endswith("_type") or etype.endswith("_parsing") else "FG299"
    )
    if etype == "missing" and missing_key is not None:
        line, col = doc.position(pointer)
        where = pointer or "the top level"
        message = f"missing required field {missing_key!r} in {where}"
        hint = "narrative fields that do not apply take `not_applicable: <justification>`"
        return Diagnostic(
            doc.relpath, line, col, code, message, pointer=f"{pointer}/{missing_key}", hint=hint
        )
    if etype == "extra_forbidden":
        line, col = doc.key_position(pointer)
        return Diagnostic(
            doc.relpath,
            line,
            col,
            code,
            f"unknown field {pointer.rsplit('/', 1)[-1]!r}",
            pointer=pointer,
        )
    line, col = doc.position(pointer)
    message = _message(item, pointer)
    return Diagnostic(doc.relpath, line, col, code, message, pointer=pointer)


def _message(item: Any, pointer: str) -> str:
    field = pointer.rsplit("/", 1)[-1] or "document"
    msg = str(item["msg"])
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    if item["type"] in ("string_too_short",):
        msg = "answer is empty; write an answer or `not_applicable: <justification>`"
    elif item["type"] == "union_tag_invalid":
        ctx = item.get("ctx", {})
        tags = str(ctx.get("expected_tags", "")).replace("gate:", "")
        got = str(ctx.get("tag", "")).replace("gate:", "")
        msg = f"unknown type {got!r}; expected one of {tags}"
    return f"{field}: {msg}"
