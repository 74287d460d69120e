"""The standards catalogue: item lists kept as data (``data/*.yaml``), one file per edition.

The crosswalk is data, not code, so a new edition (HTI-5, CHAI v0.3) is a new YAML file and a
reviewer can read every mapping without reading Python. Files are checked on load: unknown keys,
duplicate ids and field references that do not exist in the spec models are errors, so a spec
field rename cannot silently turn an item into "missing".

File format (one edition per file)::

    id: hti1-2024                 # standard id, used by coverage gates
    title, edition, source        # source: citation and URL
    status_note: ...              # optional, e.g. a pending rule that would withdraw it
    document: ModelCard | [kinds] # the spec kinds its items are answered in
    items:
      - id: hti1:1.i              # stable, unique across all standards
        title: ...                # the item as the standard phrases it
        group: ...                # section of the standard
        fairness: true            # about fairness or subgroups (default false)
        optional: true            # optional in the standard itself (default false)
        fields: [Kind:dotted.path, ...]   # spec fields that answer it; [] = nothing does
        auto: [results:<name>, ...]       # build results that answer it (refs.AUTO_REFS)
        match: any | all          # over fields + auto (default any)
        note: ...                 # why a mapping is partial or absent
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fairgov.load import LoadError, parse_bytes
from fairgov.standards.refs import AUTO_PREFIX, ref_exists, split_ref

Match = Literal["all", "any"]


@dataclass(frozen=True)
class Item:
    """One item of a standard and the spec fields (or build results) that answer it."""

    id: str
    title: str
    group: str
    fairness: bool
    fields: tuple[str, ...]
    auto: tuple[str, ...] = ()
    match: Match = "any"
    optional: bool = False
    note: str | None = None

    @property
    def refs(self) -> tuple[str, ...]:
        """Document fields then automatic results; ``match`` applies to all of them."""
        return self.fields + self.auto

    @property
    def unmapped(self) -> bool:
        """No fairgov field answers this item: it can only be reported as missing."""
        return not self.refs


@dataclass(frozen=True)
class Standard:
    """One edition of a standard with its ordered items."""

    id: str
    title: str
    edition: str
    source: str
    document: tuple[str, ...]
    items: tuple[Item, ...]
    status_note: str | None = None

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


class _ItemData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=3)
    title: str = Field(min_length=1)
    group: str = Field(min_length=1)
    fairness: bool = False
    fields: list[str]
    auto: list[str] = Field(default_factory=list)
    match: Match = "any"
    optional: bool = False
    note: str | None = None

    @field_validator("fields")
    @classmethod
    def _document_refs(cls, refs: list[str]) -> list[str]:
        for ref in refs:
            if ref.startswith(AUTO_PREFIX) or not ref_exists(ref):
                raise ValueError(f"unknown spec field {ref!r} (automatic results go under `auto`)")
        return refs

    @field_validator("auto")
    @classmethod
    def _auto_refs(cls, refs: list[str]) -> list[str]:
        for ref in refs:
            if not ref.startswith(AUTO_PREFIX) or not ref_exists(ref):
                raise ValueError(f"unknown automatic result {ref!r}")
        return refs


class _StandardData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    edition: str
    source: str
    status_note: str | None = None
    document: str | list[str]
    items: list[_ItemData] = Field(min_length=1)

    def to_standard(self) -> Standard:
        docs = (self.document,) if isinstance(self.document, str) else tuple(self.document)
        items = tuple(
            Item(
                i.id,
                i.title,
                i.group,
                i.fairness,
                tuple(i.fields),
                tuple(i.auto),
                i.match,
                i.optional,
                i.note,
            )
            for i in self.items
        )
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: duplicate item ids")
        for item in items:
            stray = {split_ref(r)[0] for r in item.fields} - set(docs)
            if stray:
                raise ValueError(
                    f"{self.id}: item {item.id} uses {sorted(stray)} not listed in `document`"
                )
        return Standard(
            self.id, self.title, self.edition, self.source, docs, items, self.status_note
        )


@functools.cache
def _load() -> tuple[Standard, ...]:
    standards = []
    data_dir = resources.files("fairgov.standards").joinpath("data")
    for entry in sorted(data_dir.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            try:
                raw = parse_bytes(entry.read_bytes(), Path(entry.name), entry.name).data
                standards.append(_StandardData.model_validate(raw).to_standard())
            except (ValueError, LoadError) as exc:
                raise ValueError(f"standards data file {entry.name}: {exc}") from exc
    ids = [s.id for s in standards]
    item_ids = [i.id for s in standards for i in s.items]
    if len(set(ids)) != len(ids) or len(set(item_ids)) != len(item_ids):
        raise ValueError("duplicate standard or item ids in fairgov/standards/data")
    return tuple(standards)


def load_standards() -> dict[str, Standard]:
    """All shipped standards by id, in file-name order (parsed once, then cached)."""
    return {s.id: s for s in _load()}


def get_standard(standard_id: str) -> Standard:
    """One standard by id; KeyError names the known ids so a policy typo is easy to fix."""
    standards = load_standards()
    if standard_id not in standards:
        raise KeyError(f"unknown standard {standard_id!r}; known: {', '.join(standards)}")
    return standards[standard_id]
