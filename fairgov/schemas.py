"""JSON Schemas (draft 2020-12) generated from the pydantic models: one file per kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fairgov.atomic import atomic_write_text
from fairgov.spec import KINDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(kind: str) -> dict[str, Any]:
    schema = KINDS[kind].model_json_schema(mode="validation")
    return {"$schema": DRAFT, "$id": f"https://fairgov.invalid/schemas/{filename(kind)}", **schema}


def filename(kind: str) -> str:
    return f"{kind.lower()}.schema.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def all_schemas() -> dict[str, str]:
    """filename -> file content, for every spec kind."""
    return {filename(kind): render(schema_for(kind)) for kind in KINDS}


RESULTS_SCHEMA = "results.schema.json"


def output_schemas() -> dict[str, str]:
    """filename -> file content of the schemas of fairgov's outputs (results.json), generated
    from their models (fairgov.results)."""
    from fairgov.results import results_schema

    return {RESULTS_SCHEMA: render(results_schema())}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in {**all_schemas(), **output_schemas()}.items():
        atomic_write_text(folder / name, text)
        written.append(folder / name)
    return written
