"""The validated project: every document with its model and source positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fairgov.diagnostics import Diagnostic, has_errors
from fairgov.load import Document
from fairgov.spec import REF_PREFIX, Project
from fairgov.validate.paths import resolve_inside


@dataclass
class Entry:
    doc: Document
    model: Any  # the pydantic model of doc.kind

    @property
    def ref(self) -> str:
        return f"{REF_PREFIX[self.doc.kind]}/{self.model.id}"

    def diag(
        self,
        pointer: str,
        code: str,
        message: str,
        hint: str | None = None,
        severity: str = "error",
    ) -> Diagnostic:
        line, col = self.doc.position(pointer)
        return Diagnostic(self.doc.relpath, line, col, code, message, severity, pointer, hint)  # type: ignore[arg-type]


@dataclass
class CompiledProject:
    root: Path
    project: Project | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: refs of documents that exist but failed validation (no cascade of "unresolved" errors)
    invalid_refs: set[str] = field(default_factory=set)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.doc.kind == kind]

    def get(self, ref: str) -> Entry | None:
        return self.entries.get(ref)

    def model(self, ref: str) -> Any:
        entry = self.entries.get(ref)
        return entry.model if entry else None

    @property
    def output_dir(self) -> Path:
        """The project's output folder (`output` in fairgov.yaml, default `build`)."""
        return self.root / (self.project.output if self.project else "build")

    @property
    def cache_dir(self) -> Path:
        """The content-addressed cache folder (`cache`); PathEscape if it leaves the project root
        (validation reports that as a diagnostic first)."""
        return resolve_inside(self.root, self.project.cache if self.project else ".fairgov/cache")

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def add(self, entry: Entry) -> BaseModel:
        self.entries[entry.ref] = entry
        return entry.model
