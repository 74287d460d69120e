"""Walk a pydantic model and write every field as commented YAML.

Why a walker and not templates: the spec models are the single source of truth, so a scaffold
written from them cannot drift. Each field gets its `Field(description=...)` as the comment
above it; values come from an *overlay* (the coherent example in `skeleton.py`), else from the
field's default, else from a placeholder:

* narrative answers -> `{not_applicable: TODO}` (valid, but visibly unanswered),
* required text -> `TODO`, dates -> the scaffold date, closed choices -> the first choice
  with a trailing `# TODO: choose`.

Union-of-model fields (e.g. the evaluation protocol) show the chosen variant and the others
commented out; empty-by-default lists of models (sign-off, waivers) show a commented example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from fairgov.scaffold.types import Shape, discriminator_value, shape_of, strip
from fairgov.scaffold.yamltext import comment, comment_out, flow, scalar

TODO = "TODO"
UNANSWERED = {"not_applicable": TODO}
_MISSING: Any = object()
#: written first in every document, as in the examples
FIRST = ("apiVersion", "kind")


@dataclass(frozen=True)
class Choose:
    """An overlay value that is only a plausible default: marked `# TODO: choose`."""

    value: Any


class Emitter:
    def __init__(self, today: dt.date):
        self.today = today

    def model(self, cls: type[BaseModel], overlay: Mapping[str, Any], indent: int) -> list[str]:
        """The fields of `cls` as `key: value` lines (with comments) at `indent`."""
        unknown = set(overlay) - set(cls.model_fields)
        if unknown:
            raise KeyError(
                f"scaffold overlay names unknown {cls.__name__} field(s): {sorted(unknown)}"
            )
        out: list[str] = []
        fields = cls.model_fields
        first = FIRST if indent == 0 else ()
        order = [*(f for f in first if f in fields), *(f for f in fields if f not in first)]
        for name in order:
            field = fields[name]
            if indent == 0 and out:
                out.append("")
            out += comment(_describe(field), indent)
            out += self.field(name, field, overlay.get(name, _MISSING), indent)
        return out

    def field(self, key: str, field: FieldInfo, ov: Any, indent: int) -> list[str]:
        shape = shape_of(field.annotation)
        if ov is _MISSING:
            ov = _default(field, shape)
        pad = " " * indent
        if shape.kind == "narrative":
            return [f"{pad}{key}: {flow(UNANSWERED if ov is _MISSING else ov)}"]
        if ov is None:
            return [f"{pad}{key}: null"]
        if shape.kind in ("model", "models"):
            return [
                f"{pad}{key}:",
                *self.variant(shape, {} if ov is _MISSING else ov, indent + 2, alternatives=True),
            ]
        if shape.kind == "list":
            return self.sequence(key, shape, ov, indent)
        if shape.kind == "dict":
            return self.mapping(key, shape, ov, indent)
        todo = isinstance(ov, Choose) or (
            ov is _MISSING and shape.kind == "literal" and len(shape.choices) > 1
        )
        value = (
            ov.value
            if isinstance(ov, Choose)
            else (self.placeholder(shape) if ov is _MISSING else ov)
        )
        return [f"{pad}{key}: {flow(value)}" + ("  # TODO: choose" if todo else "")]

    def variant(
        self, shape: Shape, ov: Mapping[str, Any], indent: int, alternatives: bool
    ) -> list[str]:
        """A model value; for a union, the variant named by the overlay's `type` (else the
        first), followed by the other variants commented out."""
        chosen = _pick(shape.models, ov.get("type"))
        lines = self.model(chosen, ov, indent)
        if alternatives:
            for other in (m for m in shape.models if m is not chosen):
                lines.append(f"{' ' * indent}# or instead (type: {discriminator_value(other)}):")
                lines += comment_out(self.model(other, {}, indent), indent)
        return lines

    def sequence(self, key: str, shape: Shape, ov: Any, indent: int) -> list[str]:
        pad = " " * indent
        item = shape_of(shape.item)
        if item.kind not in ("model", "models"):
            value = [self.placeholder(item)] if ov is _MISSING else ov
            suffix = "  # TODO: choose" if isinstance(value, Choose) else ""
            return [
                f"{pad}{key}: {flow(value.value if isinstance(value, Choose) else value)}{suffix}"
            ]
        elements = [{}] if ov is _MISSING else list(ov)
        if not elements:  # empty by default: show one commented example
            example = self.list_item(item, {}, indent, alternatives=len(item.models) > 1)
            return [f"{pad}{key}: []", f"{pad}  # example:", *comment_out(example, indent + 2)]
        out = [f"{pad}{key}:"]
        for element in elements:
            out += self.list_item(item, element, indent)
        return out

    def list_item(
        self, item: Shape, ov: Mapping[str, Any], indent: int, alternatives: bool = False
    ) -> list[str]:
        """`- field: ...` with the first field's comment above the dash (an empty list's example
        of a union also lists the other variants, commented out)."""
        lines = self.variant(item, ov, indent + 4, alternatives=alternatives)
        first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
        head = [line[2:] for line in lines[:first]]
        return [*head, f"{' ' * (indent + 2)}- {lines[first].lstrip()}", *lines[first + 1:]]

    def mapping(self, key: str, shape: Shape, ov: Any, indent: int) -> list[str]:
        pad = " " * indent
        value_shape = shape_of(shape.item)
        if value_shape.kind == "model":
            entries = {"example": {}} if ov is _MISSING else ov
            out = [f"{pad}{key}:"]
            for name, sub in entries.items():
                out += [
                    f"{pad}  {scalar(name)}:",
                    *self.model(value_shape.models[0], sub, indent + 4),
                ]
            return out
        value = {TODO: self.placeholder(value_shape)} if ov is _MISSING else ov
        if any(isinstance(v, (dict, list)) for v in value.values()):
            return [f"{pad}{key}:", *(f"{pad}  {scalar(k)}: {flow(v)}" for k, v in value.items())]
        return [f"{pad}{key}: {flow(value)}"]

    def placeholder(self, shape: Shape) -> Any:
        if shape.kind == "literal":
            return shape.choices[0]
        if shape.kind == "narrative":
            return UNANSWERED
        if shape.scalar is dt.date:
            return self.today
        return {int: 0, float: 0.0, bool: False}.get(shape.scalar, TODO)  # type: ignore[arg-type]


def _pick(models: tuple[type[BaseModel], ...], tag: Any) -> type[BaseModel]:
    if tag is None or len(models) == 1:
        return models[0]
    for model in models:
        if discriminator_value(model) == tag:
            return model
    raise KeyError(f"no variant with type {tag!r} among {[m.__name__ for m in models]}")


def _default(field: FieldInfo, shape: Shape) -> Any:
    """The field's default, except that models are always walked (every field present)."""
    if field.is_required() or shape.kind in ("model", "models"):
        return _MISSING
    default = field.get_default(call_default_factory=True)
    return _MISSING if default is PydanticUndefined else default


def _describe(field: FieldInfo) -> str:
    text = field.description or ""
    shape = shape_of(field.annotation)
    if shape.kind == "list" and shape_of(shape.item).kind == "literal":
        shape = shape_of(shape.item)
    if shape.kind == "literal" and len(shape.choices) > 1:
        text += " One of: " + ", ".join(str(c) for c in shape.choices) + "."
    if not field.is_required():
        text += " (optional)"
    return text.strip() or strip(field.annotation).__name__
