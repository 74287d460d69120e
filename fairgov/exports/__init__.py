"""Exports: fairgov documents and results in formats other tools read.

Shared rules, so every export fails the same way: the project must validate (else the caller
prints the diagnostics and exits 1, writing nothing); an unknown id lists the known ones; an
existing output file is replaced only with `force`, and always atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fairgov.atomic import atomic_write_bytes
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.spec import REF_PREFIX
from fairgov.validate import CompiledProject, Entry

#: an existing output file without --force: nothing was replaced
CODE_EXISTS = "FG601"
#: an id that names no document of that kind
CODE_UNKNOWN = "FG302"
CODE_RESULTS = "FG603"


def find_document(cp: CompiledProject, kind: str, ident: str) -> Entry:
    """The validated document `kind/ident`, or an error that lists the known ids."""
    prefix = REF_PREFIX[kind]
    ident = ident.removeprefix(prefix + "/")
    entry = cp.get(f"{prefix}/{ident}")
    if entry is not None:
        return entry
    known = sorted(e.model.id for e in cp.of_kind(kind))
    hint = (
        f"known {kind} ids: {', '.join(known)}" if known else f"the project has no {kind} document"
    )
    raise FairgovError(
        Diagnostic(str(cp.root), 1, 1, CODE_UNKNOWN, f"no {kind} with id {ident!r}", hint=hint)
    )


def default_out(cp: CompiledProject, *parts: str) -> Path:
    """A path under the project's output folder: `<root>/<output>/exports/...`."""
    return cp.output_dir / "exports" / Path(*parts)


def write_output(path: Path, data: bytes, force: bool) -> Path:
    """Write `data` to `path` atomically; an existing file needs `force`."""
    if os.path.lexists(path) and not force:
        raise FairgovError(
            Diagnostic(
                str(path),
                1,
                1,
                CODE_EXISTS,
                f"{path} already exists; nothing was written",
                hint="pass --force to replace it, or --out to write elsewhere",
            )
        )
    try:
        atomic_write_bytes(path, data)
    except OSError as err:
        raise FairgovError(
            Diagnostic(str(path), 1, 1, CODE_EXISTS, f"cannot write {path}: {err}")
        ) from err
    return path


def results_for(cp: CompiledProject, path: Path) -> dict[str, Any]:
    """The results.json at `path`, which must come from a build of this project."""
    results = read_results(path)
    built = (results.get("project") or {}).get("id")
    if cp.project is not None and built != cp.project.id:
        raise FairgovError(Diagnostic(str(path), 1, 1, CODE_RESULTS,
                                      f"results are from project {built!r}, not {cp.project.id!r}"))
    return results


def read_results(path: Path) -> dict[str, Any]:
    """A results.json written by `fairgov check/build` (only the parts exports rely on)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise FairgovError(
            Diagnostic(str(path), 1, 1, CODE_RESULTS, f"cannot read results: {err}")
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get("evaluations"), dict):
        raise FairgovError(
            Diagnostic(
                str(path), 1, 1, CODE_RESULTS, "not a fairgov results.json (no `evaluations`)"
            )
        )
    return data
