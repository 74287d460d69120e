"""Read the shape of a pydantic field annotation, so the scaffold follows the models.

The scaffold writer must never hard-code the field list of a document kind: it walks the
models. This module turns an annotation (unions, `Annotated`, literals, containers) into one
small `Shape` the writer can switch on.
"""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from fairgov.spec.common import NotApplicable


@dataclass(frozen=True)
class Shape:
    """What a field holds. `kind` is one of: narrative, model, models (a union of models),
    literal, list, dict, scalar, tuple."""

    kind: str
    optional: bool = False
    models: tuple[type[BaseModel], ...] = ()
    choices: tuple[Any, ...] = ()
    item: Any = None  # list item / dict value annotation
    scalar: type | None = None


def strip(tp: Any) -> Any:
    """Drop `Annotated[...]` layers (constraints, tags, descriptions)."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def shape_of(annotation: Any) -> Shape:
    tp = strip(annotation)
    if _is_union(tp):
        members = [strip(a) for a in get_args(tp)]
        optional = type(None) in members
        members = [m for m in members if m is not type(None)]
        if NotApplicable in members:
            return Shape("narrative", optional)
        if len(members) == 1:
            return _replace_optional(shape_of(members[0]), optional)
        if all(_is_model(m) for m in members):
            return Shape("models", optional, models=tuple(members))
        if all(get_origin(m) is Literal for m in members):
            return Shape(
                "literal", optional, choices=tuple(c for m in members for c in get_args(m))
            )
        return _replace_optional(shape_of(members[0]), optional)  # e.g. Text | list[Text]
    return _plain(tp)


def _plain(tp: Any) -> Shape:
    origin = get_origin(tp)
    if _is_model(tp):
        return Shape("model", models=(tp,))
    if origin is Literal:
        return Shape("literal", choices=get_args(tp))
    if origin is list:
        return Shape("list", item=get_args(tp)[0])
    if origin is dict:
        return Shape("dict", item=get_args(tp)[1])
    if origin is tuple:
        return Shape("tuple", item=get_args(tp)[0])
    if tp in (str, int, float, bool, dt.date):
        return Shape("scalar", scalar=tp)
    return Shape("scalar", scalar=str)


def _replace_optional(shape: Shape, optional: bool) -> Shape:
    if not optional:
        return shape
    return Shape(shape.kind, True, shape.models, shape.choices, shape.item, shape.scalar)


def discriminator_value(model: type[BaseModel], name: str = "type") -> Any:
    """The literal value of a variant's discriminator field (e.g. `linear_probe`)."""
    field = model.model_fields.get(name)
    if field is None:
        return None
    choices = get_args(strip(field.annotation))
    return choices[0] if choices else None
