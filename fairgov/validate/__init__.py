"""Stage 2, validate: project folder -> `CompiledProject` + diagnostics. Never imports torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fairgov.diagnostics import Diagnostic, sort_diagnostics
from fairgov.load import MAX_FILE_BYTES, load_file
from fairgov.spec import REF_PREFIX
from fairgov.validate.discover import PROJECT_FILE, discover
from fairgov.validate.placeholders import check_placeholders
from fairgov.validate.project import CompiledProject, Entry
from fairgov.validate.schema import validate_document
from fairgov.validate.semantic import check_project

__all__ = ["CompiledProject", "Entry", "compile_project", "find_root"]


def find_root(path: Path) -> Path:
    """PATH may be the project folder or its fairgov.yaml."""
    path = Path(path)
    return path.parent if path.is_file() else path


def compile_project(path: Path | str) -> CompiledProject:
    root = find_root(Path(path))
    cp = CompiledProject(root=root)
    project_file = root / PROJECT_FILE
    if not project_file.is_file():
        cp.diagnostics.append(
            Diagnostic(
                PROJECT_FILE,
                1,
                1,
                "FG115",
                f"no {PROJECT_FILE} in {root}",
                hint="run `fairgov init` or point PATH at the project folder",
            )
        )
        return cp
    project, diags = _load_one(cp, project_file, MAX_FILE_BYTES)
    cp.diagnostics.extend(diags)
    include = project.include if project else ["**/*.yaml", "**/*.yml"]
    exclude = project.exclude if project else []
    limit = project.limits.max_file_bytes if project else MAX_FILE_BYTES
    skip = (project.output, project.cache) if project else ("build",)
    files, diags = discover(root, include, exclude, skip)
    cp.diagnostics.extend(diags)
    for path_ in files:
        if path_.resolve() != project_file.resolve():
            cp.diagnostics.extend(_load_one(cp, path_, limit)[1])
    cp.project = project
    if cp.entries:
        cp.diagnostics.extend(_semantic(cp))
        cp.diagnostics.extend(check_placeholders(cp))
    cp.diagnostics = sort_diagnostics(cp.diagnostics)
    return cp


def _load_one(cp: CompiledProject, path: Path, limit: int) -> tuple[Any, list[Diagnostic]]:
    """Load and validate one file into `cp`; returns the Project model when it is fairgov.yaml."""
    doc, diags = load_file(path, cp.root, limit)
    if doc is None:
        return None, diags
    cp.documents.append(doc)
    model, diags = validate_document(doc)
    if model is None:
        ident = doc.data.get("id")
        if doc.kind in REF_PREFIX and isinstance(ident, str):
            cp.invalid_refs.add(f"{REF_PREFIX[doc.kind]}/{ident}")
        return None, diags
    entry = Entry(doc, model)
    if entry.ref in cp.entries:
        other = cp.entries[entry.ref].doc.relpath
        code = "FG311" if doc.kind == "Project" else "FG301"
        return None, [
            entry.diag("/id", code, f"{doc.kind} id {entry.model.id!r} is already used by {other}")
        ]
    if doc.kind == "Project" and cp.of_kind("Project"):
        return None, [
            entry.diag(
                "/kind", "FG311", "a second Project document; only fairgov.yaml may be a Project"
            )
        ]
    cp.add(entry)
    return (model if doc.kind == "Project" else None), []


def _semantic(cp: CompiledProject) -> list[Diagnostic]:
    return check_project(cp)
