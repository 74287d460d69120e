"""The committed JSON Schemas are generated from the models and cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from fairgov.schemas import RESULTS_SCHEMA, all_schemas, output_schemas
from fairgov.spec import KINDS

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_committed_schema_matches_models(name: str) -> None:
    committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
    assert committed == all_schemas()[name], f"schemas/{name} is stale: run `fairgov schema`"


def test_committed_results_schema_is_generated_from_the_results_model() -> None:
    committed = (REPO / "schemas" / RESULTS_SCHEMA).read_text(encoding="utf-8")
    assert committed == output_schemas()[RESULTS_SCHEMA], (
        f"schemas/{RESULTS_SCHEMA} is stale: run `fairgov schema`"
    )


def test_results_schema_accepts_both_readable_versions_and_refuses_unknown_keys() -> None:
    schema = json.loads(output_schemas()[RESULTS_SCHEMA])
    old = json.loads(
        (REPO / "tests/fixtures/results/results-v1.1.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(old, schema)
    old["unexpected"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(old, schema)


def test_schemas_are_valid_draft_2020_12() -> None:
    for text in {**all_schemas(), **output_schemas()}.values():
        schema = json.loads(text)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_field_has_a_description() -> None:
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        for defn in [schema, *schema.get("$defs", {}).values()]:
            for name, prop in defn.get("properties", {}).items():
                assert prop.get("description"), (
                    f"{kind}: {defn.get('title')}.{name} lacks a description"
                )


@pytest.mark.parametrize("path", sorted((REPO / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_example_specs_validate_against_json_schema(path: Path) -> None:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    schema = json.loads(all_schemas()[f"{data['kind'].lower()}.schema.json"])
    # JSON Schema sees YAML dates as strings, as an editor would
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schemas/"
    )
