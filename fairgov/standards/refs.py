"""Field references: how a standard's item points at the spec fields that answer it.

Two forms exist, because an item is answered either by a person writing a field or by fairgov
computing something:

* ``Kind:dotted.path`` names a field of a spec document, e.g. ``ModelCard:details.developer``.
  A segment may filter a list of models by one field, ``evaluations[role=external]``, so an
  item about *external* validation is not satisfied by an internal evaluation's answer.
* ``results:<name>`` names something a successful build computes (see ``AUTO_REFS``). These are
  satisfied only when the caller says so (the ``auto`` set passed to ``coverage``), because
  only the build knows whether an evaluation really ran.

Types are walked on the pydantic classes (``field_exists``) so the crosswalk data is checked
against the single source of truth; values are walked on model instances (``resolve``).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel

from fairgov.spec import KINDS
from fairgov.spec.common import NotApplicable

AUTO_PREFIX = "results:"

#: What each automatic reference means, i.e. when the build may put it in the ``auto`` set.
AUTO_REFS: dict[str, str] = {
    "results:composition": "Subgroup counts per split computed from the manifest of the dataset "
    "of an evaluation the model card lists with role `internal`.",
    "results:metrics": "Overall metrics with intervals on the test split of a successful run of an "
    "evaluation the model card lists with role `internal` (same source as the training data).",
    "results:subgroup_metrics": "Per-subgroup metrics with intervals from that same internal run.",
    "results:intersectional_metrics": "Metrics for at least one intersection of attributes "
    "(e.g. sex x age_band) from a successful internal or external run.",
    "results:external_composition": "Subgroup counts computed from the manifest of the dataset of "
    "an evaluation the model card lists with role `external`.",
    "results:external_metrics": "Overall metrics with intervals from a successful run of an "
    "evaluation the model card lists with role `external`.",
    "results:external_subgroup_metrics": (
        "Per-subgroup metrics with intervals from that external run."
    ),
}

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([A-Za-z_][A-Za-z0-9_]*)=([^\]]+)\])?$")


@dataclass(frozen=True)
class Segment:
    """One step of a dotted path; ``key``/``value`` filter a list of models when set."""

    name: str
    key: str | None = None
    value: str | None = None


def parse_path(path: str) -> tuple[Segment, ...]:
    """Split ``a.b[role=external].c`` into segments; raises ValueError on bad syntax."""
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if not match:
            raise ValueError(f"bad path segment {part!r} in {path!r}")
        segments.append(Segment(*match.groups()))
    return tuple(segments)


def split_ref(ref: str) -> tuple[str, str]:
    """``"ModelCard:details.developer"`` -> ``("ModelCard", "details.developer")``."""
    kind, sep, path = ref.partition(":")
    if not sep or not kind or not path:
        raise ValueError(f"field reference {ref!r} is not of the form Kind:dotted.path")
    return kind, path


def is_auto(ref: str) -> bool:
    return ref.startswith(AUTO_PREFIX)


def ref_exists(ref: str) -> bool:
    """True when ``ref`` is a known automatic reference or names an existing spec field."""
    if is_auto(ref):
        return ref in AUTO_REFS
    try:
        kind, path = split_ref(ref)
    except ValueError:
        return False
    return field_exists(kind, path)


def field_exists(kind: str, dotted_path: str) -> bool:
    """Whether ``dotted_path`` names a field of the ``kind`` model (through Optional, lists,
    nested models and Narrative unions); a filter's key must exist and its value be allowed."""
    model = KINDS.get(kind)
    if model is None:
        return False
    try:
        segments = parse_path(dotted_path)
    except ValueError:
        return False
    return _walk(model, segments)


def _walk(tp: Any, segments: tuple[Segment, ...]) -> bool:
    if not segments:
        return True
    head, rest = segments[0], segments[1:]
    for cls in _model_classes(tp):
        field = cls.model_fields.get(head.name)
        if field is None:
            continue
        if head.key is not None and not _filter_ok(field.annotation, head):
            continue
        if _walk(field.annotation, rest):
            return True
    return False


def _filter_ok(annotation: Any, seg: Segment) -> bool:
    """A filter needs a list of models whose ``key`` field can hold ``value``."""
    if typing.get_origin(_strip(annotation)) not in (list, tuple):
        return False
    for cls in _model_classes(annotation):
        field = cls.model_fields.get(seg.key or "")
        if field is not None:
            allowed = _literal_values(field.annotation)
            return allowed is None or seg.value in allowed
    return False


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _model_classes(tp: Any) -> list[type[BaseModel]]:
    """Model classes reachable from a type through Annotated, unions and containers (not dicts:
    their keys are user data, so a path cannot name them). NotApplicable is an answer, not a
    structure, so it is never walked into."""
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return [
            c for arg in typing.get_args(tp) if arg is not Ellipsis for c in _model_classes(arg)
        ]
    if isinstance(tp, type) and issubclass(tp, BaseModel) and tp is not NotApplicable:
        return [tp]
    return []


def _literal_values(tp: Any) -> set[str] | None:
    """String values a Literal (possibly inside Optional) allows; None when not a Literal."""
    tp = _strip(tp)
    if typing.get_origin(tp) is Literal:
        return {str(v) for v in typing.get_args(tp)}
    if typing.get_origin(tp) in (Union, types.UnionType):
        found = [_literal_values(a) for a in typing.get_args(tp) if a is not type(None)]
        if found and all(v is not None for v in found):
            return set().union(*typing.cast(list[set[str]], found))
    return None


def resolve(document: Any, dotted_path: str) -> list[Any]:
    """Values at ``dotted_path`` in a document instance, one per list element traversed.

    A missing document or field gives ``[]``; a filter keeps only the list elements whose key
    field equals the value (compared as strings, so YAML scalars match)."""
    return _values(document, parse_path(dotted_path))


def _values(value: Any, segments: tuple[Segment, ...]) -> list[Any]:
    if not segments:
        return [value]
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for element in value for v in _values(element, segments)]
    head, rest = segments[0], segments[1:]
    if isinstance(value, BaseModel):
        child = getattr(value, head.name, None)
    elif isinstance(value, Mapping):
        child = value.get(head.name)
    else:
        return []
    if head.key is not None:
        child = [e for e in (child or ()) if str(_get(e, head.key)) == head.value]
    return _values(child, rest)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
