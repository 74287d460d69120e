"""Report text that lives in data, not in templates: the questions of the documentation pages
(the spec fields' descriptions and names) and the standards' titles, notes and items.

English is the source text; `update_catalogs.py` adds every such string to the report catalog
(`data_messages()`), and rendering translates it through `i18n.tr()` like any other message. A
string without a translation (a project-specific name, a new field) prints as written.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from fairgov.render import fmt
from fairgov.render.documents import HEADER_FIELDS, split_description
from fairgov.render.scope import ALL_DOCUMENTS
from fairgov.spec import KINDS
from fairgov.spec.common import NotApplicable
from fairgov.standards.catalog import load_standards


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def spec_messages() -> Iterator[tuple[str, str]]:
    """(module, text) of every question and heading the documentation pages can print: the
    description (without its bracketed tags) and the humanized name of each field of the
    documented kinds, nested models included."""
    seen: set[type[BaseModel]] = set()
    todo = [KINDS[k] for k in sorted(ALL_DOCUMENTS)]
    while todo:
        model = todo.pop(0)
        if model in seen or model is NotApplicable:
            continue
        seen.add(model)
        where = model.__module__.replace(".", "/") + ".py"
        for name, info in model.model_fields.items():
            if name in HEADER_FIELDS and model in (KINDS[k] for k in ALL_DOCUMENTS):
                continue
            question = split_description(info.description)[0]
            if question:
                yield where, question
            yield where, fmt.humanize(name)
            todo += [m for m in _models(info.annotation) if m not in seen]


def standards_messages() -> Iterator[tuple[str, str]]:
    """(data file, text) of every standard's title and status note and each item's title."""
    for std in load_standards().values():
        where = f"fairgov/standards/data/{std.id}.yaml"
        yield where, std.title
        if std.status_note:
            yield where, std.status_note
        for item in std.items:
            yield where, item.title


def data_messages() -> list[tuple[str, str]]:
    return list(spec_messages()) + list(standards_messages())
