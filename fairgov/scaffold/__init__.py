"""`fairgov init`: a new governance project, written from the spec models.

`scaffold()` returns the files as {relative path: text}; `write_new()` writes them only if
none exists yet (a scaffold never overwrites someone's answers). The JSON Schemas are copied
into the project (`schemas/`) so the `# yaml-language-server: $schema=` line works offline and
matches the fairgov version that wrote the files; `schema_url` points at published copies
instead (nothing is copied then).

Unanswered narrative fields are written `not_applicable: TODO`, not as placeholder text, so
that (1) the project validates at once and `fairgov check`/reports work from day one, (2)
reports and standards coverage print each one as "not applicable: TODO" instead of passing
placeholder text off as an answer, and (3) the scaffold's policy carries a `required_fields`
gate with `allow_not_applicable: false` on the fairness answers, so `fairgov check` blocks
until a person has written them. The only diagnostic of a fresh project is the missing
manifest (FG305): the data is the one thing a scaffold cannot invent.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from fairgov import __version__
from fairgov.atomic import atomic_write_text
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.scaffold.emit import Emitter
from fairgov.scaffold.skeleton import FILES, MANIFEST, MANIFEST_COLUMNS, Names, overlays
from fairgov.schemas import all_schemas, filename
from fairgov.spec import KINDS

__all__ = [
    "FILES",
    "MANIFEST",
    "MANIFEST_COLUMNS",
    "Names",
    "names",
    "scaffold",
    "slug",
    "write_new",
]

SCHEMA_DIR = "schemas"
#: refusing to overwrite is an output problem: nothing was written (see `fairgov explain`)
CODE_EXISTS = "FG601"

HEADER = """\
# {kind} scaffolded by `fairgov init` (fairgov {version}). Every field of the spec language is
# present, with its description as a comment. Answers still marked `not_applicable: TODO` or
# `TODO` await a person: write the answer, or `not_applicable: <why it does not apply>`.
# Optional fields may be deleted. `fairgov explain --list` lists the diagnostic codes.
"""


def slug(text: str, fallback: str = "project") -> str:
    """An id from free text: lower-case letters and digits joined by `-` (64 at most)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:64].rstrip("-") or fallback


def names(folder: Path, name: str | None, site: str | None) -> Names:
    title = name or Path(os.path.abspath(folder)).name or "project"
    site_title = site or "TODO: deploying site"
    return Names(
        title=title, id=slug(title), site=site_title, site_id=slug(site, "site") if site else "site"
    )


def scaffold(
    n: Names, today: dt.date, schema_url: str | None = None, predictions: bool = False
) -> dict[str, str]:
    """{relative path: text} for a new project (specs, plus schemas unless `schema_url`).

    `predictions`: the bring-your-own predictions variant, with an example manifest and scores
    file (`exampledata.py`) so that the project validates and builds at once."""
    emitter = Emitter(today)
    values = overlays(n, predictions)
    base = schema_url.rstrip("/") if schema_url else SCHEMA_DIR
    files: dict[str, str] = {}
    for path, kind in FILES:
        lines = [f"# yaml-language-server: $schema={base}/{filename(kind)}",
                 HEADER.format(kind=kind, version=__version__)]
        lines += emitter.model(KINDS[kind], values[kind], 0)
        files[path] = "\n".join(lines) + "\n"
    if not schema_url:
        files.update({f"{SCHEMA_DIR}/{name}": text for name, text in all_schemas().items()})
    if predictions:
        from fairgov.scaffold.exampledata import example_tables

        files.update(example_tables())
    return files


def write_new(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write every file, or none: any existing target stops the whole scaffold."""
    targets = [folder / rel for rel in files]
    clashes = [t for t in targets if os.path.lexists(t)]
    if clashes:
        raise FairgovError(
            [
                Diagnostic(
                    str(t),
                    1,
                    1,
                    CODE_EXISTS,
                    f"{t} already exists; fairgov init never overwrites",
                    hint="choose an empty folder or move the file away",
                )
                for t in clashes
            ]
        )
    try:
        for target, text in zip(targets, files.values(), strict=True):
            atomic_write_text(target, text)
    except OSError as err:
        raise FairgovError(
            Diagnostic(str(folder), 1, 1, CODE_EXISTS, f"cannot write the project: {err}")
        ) from err
    return targets
