"""results.json, JUnit, SARIF and summary.md of a small deterministic build equal their golden
files (regenerate with `python tests/build/golden_build.py` after an intended change)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from golden_build import FILES, GOLDEN, build_outputs

from fairgov.results import RESULTS_SCHEMA_VERSION, dump, parse
from fairgov.schemas import RESULTS_SCHEMA, output_schemas


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_outputs(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", FILES)
def test_output_equals_its_golden_file(outputs: dict[str, str], name: str) -> None:
    golden = (GOLDEN / name).read_text(encoding="utf-8")
    assert outputs[name] == golden, (
        f"{name} changed: if intended, run `python tests/build/golden_build.py`"
    )


def test_results_json_is_the_dump_of_its_model_and_matches_the_generated_schema(
    outputs: dict[str, str],
) -> None:
    text = outputs["results.json"]
    results = parse(text)
    assert results.schema_version == RESULTS_SCHEMA_VERSION == "1.5"
    assert dump(results) == text  # parse and dump lose and add nothing
    jsonschema.validate(json.loads(text), json.loads(output_schemas()[RESULTS_SCHEMA]))


def test_every_gate_records_its_reasons_as_codes_whose_text_is_the_reason(
    outputs: dict[str, str],
) -> None:
    from fairgov.reasons import ENGLISH, Reason, join

    results = parse(outputs["results.json"])
    for gate in results.gates:
        assert gate.reasons, gate.id
        reasons = [Reason.from_dict(r.model_dump()) for r in gate.reasons]
        assert all(r.code in ENGLISH for r in reasons)
        assert join(reasons) == gate.reason
        assert [r.text for r in reasons] == [r.text for r in gate.reasons]


def test_golden_files_have_no_machine_specific_text() -> None:
    for name in FILES:
        text = (GOLDEN / name).read_text(encoding="utf-8")
        assert "/tmp" not in text and str(Path.home()) not in text, name
