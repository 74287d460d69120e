"""`fairgov export croissant`: mlcroissant validates the JSON-LD without errors, reads the RAI
answers back, and streams the manifest rows (checking the sha256 on the way)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fairgov.cli.main import main
from fairgov.validate import compile_project

mlc = pytest.importorskip("mlcroissant")

# mlcroissant builds its graph with rdflib's deprecated ConjunctiveGraph; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

#: recommended properties a datasheet has no field for (warnings, not errors)
EXPECTED_WARNINGS = ("citeAs", "datePublished")


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("croissant") / "nested" / "croissant.json"
    assert main(["export", "croissant", "cxr-demo", str(built[0]), "--out", str(out)]) == 0
    return out


def test_mlcroissant_validates_without_errors(exported: Path) -> None:
    dataset = mlc.Dataset(jsonld=exported)
    issues = dataset.metadata.ctx.issues
    assert not issues.errors
    assert all(any(name in w for name in EXPECTED_WARNINGS) for w in issues.warnings), (
        issues.warnings
    )


def test_rai_properties_come_from_the_datasheet(built, exported: Path) -> None:
    ds = compile_project(built[0]).model("datasheet/cxr-demo")
    meta = mlc.Dataset(jsonld=exported).metadata
    assert meta.name == ds.title and meta.version == "2.0.0"
    assert f"Mechanisms: {ds.collection.mechanisms}" in meta.data_collection
    assert f"Bias examination: {ds.governance.bias_examination}" in meta.data_biases
    assert f"Data gaps: {ds.governance.data_gaps}" in meta.data_limitations
    assert f"Sensitive data: {ds.composition.sensitive_data}" in meta.personal_sensitive_information
    assert meta.annotator_demographics == [
        f"Curator backgrounds: {ds.motivation.curator_backgrounds}"
    ]
    assert meta.data_annotation_protocol == [f"Labeling: {ds.preprocessing.labeling}"]
    assert meta.data_use_cases and meta.data_release_maintenance_plan and meta.data_social_impact


def test_manifest_file_object_and_records(built, exported: Path) -> None:
    import hashlib

    manifest = built[0] / "data" / "manifest.csv"
    doc = json.loads(exported.read_text())
    (file_object,) = doc["distribution"]
    assert file_object["sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    with open(manifest, newline="") as fh:
        rows = list(csv.DictReader(fh))
    records = list(mlc.Dataset(jsonld=exported).records("manifest-rows"))  # verifies the sha256
    assert len(records) == len(rows)
    first = {k.split("/")[-1]: v for k, v in records[0].items()}
    assert set(first) == set(rows[0])
    assert first["image"].decode() == rows[0]["image"] and first["age"] == int(rows[0]["age"])


def test_a_changed_manifest_fails_the_hash_check(built, tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "project"
    shutil.copytree(built[0], project)
    out = project / "croissant.json"
    assert main(["export", "croissant", "cxr-demo", str(project), "--out", str(out)]) == 0
    with open(project / "data" / "manifest.csv", "a") as fh:
        fh.write("images/extra.png,P9999,test,0,F,50,north\n")
    with pytest.raises(mlc.GenerationError):
        list(mlc.Dataset(jsonld=out).records("manifest-rows"))


def test_default_output_and_unknown_id(
    built, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "project"
    shutil.copytree(built[0], project)
    assert main(["export", "croissant", "nope", str(project)]) == 2
    assert "hint: known Datasheet ids: cxr-demo" in capsys.readouterr().err
    assert main(["export", "croissant", "datasheet/cxr-demo", str(project)]) == 0
    out = project / "build" / "exports" / "datasheet-cxr-demo" / "croissant.json"
    assert mlc.Dataset(jsonld=out).metadata.record_sets[0].name == "manifest-rows"
    assert main(["export", "croissant", "cxr-demo", str(project)]) == 2  # exists: needs --force
