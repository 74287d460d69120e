"""`fairgov init`: the scaffold is complete (every model field, with its description), validates
once a manifest exists, points editors at the schemas, and never overwrites."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from fairgov.cli.main import main
from fairgov.scaffold import FILES, MANIFEST, MANIFEST_COLUMNS
from fairgov.scaffold.types import discriminator_value, shape_of
from fairgov.spec import KINDS
from fairgov.validate import compile_project

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "new project"
    assert (
        main(["init", str(folder), "--name", "Chest X-ray triage", "--site", "St. Example General"])
        == 0
    )
    return folder


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _write_manifest(folder: Path) -> None:
    rows = [",".join(MANIFEST_COLUMNS), "img/1.png,P1,test,1,F,30", "img/2.png,P2,train,0,M,70"]
    (folder / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_fresh_project_only_lacks_the_manifest(fresh: Path) -> None:
    cp = compile_project(fresh)
    assert sorted(name for name, _ in FILES) == sorted(p.name for p in fresh.glob("*.yaml"))
    errors = [(d.code, d.file, d.pointer) for d in cp.diagnostics if d.is_error]
    assert errors == [("FG305", "datasheet.yaml", "/manifest/path")]
    # every other diagnostic is the FG317 warning counting a document's placeholder answers
    warned = sorted(d.file for d in cp.diagnostics if not d.is_error)
    assert warned == sorted(name for name, _ in FILES) and {
        d.code for d in cp.diagnostics if not d.is_error
    } == {"FG317"}


def test_with_a_manifest_it_validates(
    fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(fresh, project)
    _write_manifest(project)
    assert main(["validate", str(project)]) == 0
    out = capsys.readouterr().out
    assert "FG317 warning: 45 placeholder answer(s) remain" in out and out.rstrip().endswith(
        "0 error(s), 6 warning(s)"
    )
    assert main(["validate", str(project), "--strict"]) == 1


def test_documents_reference_each_other(fresh: Path) -> None:
    cp = compile_project(fresh)
    assert set(cp.entries) == {"project/chest-x-ray-triage", "datasheet/chest-x-ray-triage",
                               "modelcard/chest-x-ray-triage", "evaluation/chest-x-ray-triage",
                               "policy/chest-x-ray-triage", "deployment/st-example-general"}
    assert cp.model("deployment/st-example-general").site.name == "St. Example General"


def _assert_every_field(cls: Any, data: dict[str, Any], where: str) -> int:
    """Every field of `cls` is a key of `data`; recurse into nested models. Returns fields seen."""
    assert isinstance(data, dict), where
    assert set(cls.model_fields) == set(data), where
    seen = len(data)
    for name, field in cls.model_fields.items():
        shape, value = shape_of(field.annotation), data[name]
        inner = shape_of(shape.item) if shape.kind in ("list", "dict") else shape
        if inner.kind not in ("model", "models") or value is None:
            continue
        items = (
            value
            if shape.kind == "list"
            else list(value.values())
            if shape.kind == "dict"
            else [value]
        )
        for i, item in enumerate(items):
            model = next((m for m in inner.models if len(inner.models) == 1
                          or discriminator_value(m) == item.get("type", "metric")), None)
            seen += _assert_every_field(model, item, f"{where}.{name}[{i}]")
    return seen


@pytest.mark.parametrize(("path", "kind"), FILES)
def test_every_field_present_with_its_description(fresh: Path, path: str, kind: str) -> None:
    text = (fresh / path).read_text(encoding="utf-8")
    assert _assert_every_field(KINDS[kind], _load(fresh / path), kind) > 5
    # every comment marker goes, also the inner one of a commented-out example block
    # ("  #   # description"), so that a description wrapped over two lines joins up
    comments = " ".join(
        line.strip().lstrip("# ").strip()
        for line in text.splitlines()
        if line.strip().startswith("#")
    )
    for cls in _models(KINDS[kind]):
        for name, field in cls.model_fields.items():
            assert " ".join((field.description or "").split()) in comments, f"{cls.__name__}.{name}"


def _models(cls: Any, seen: set | None = None) -> list[Any]:
    seen = seen if seen is not None else set()
    if cls in seen:
        return []
    seen.add(cls)
    out = [cls]
    for field in cls.model_fields.values():
        shape = shape_of(field.annotation)
        inner = shape_of(shape.item) if shape.kind in ("list", "dict") else shape
        for model in inner.models:
            out += _models(model, seen)
    return out


def test_unanswered_narratives_are_explicit(fresh: Path) -> None:
    card = compile_project(fresh).model("modelcard/chest-x-ray-triage")
    assert card.summary.not_applicable == "TODO"
    assert "output_type: classification  # TODO: choose" in (fresh / "modelcard.yaml").read_text()


@pytest.mark.parametrize(("path", "kind"), FILES)
def test_schema_line_and_copied_schema(fresh: Path, path: str, kind: str) -> None:
    """What the YAML language server does: resolve `$schema` relative to the file, validate."""
    first = (fresh / path).read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=schemas/{kind.lower()}.schema.json"
    schema_file = fresh / first.split("$schema=")[1]
    assert schema_file.read_text() == (REPO / "schemas" / schema_file.name).read_text()
    data = json.loads(json.dumps(_load(fresh / path), default=lambda v: v.isoformat()))
    jsonschema.validate(data, json.loads(schema_file.read_text()))


def test_schema_url_copies_nothing(tmp_path: Path) -> None:
    url = "https://example.invalid/fairgov/schemas/"
    assert main(["init", str(tmp_path), "--schema-url", url]) == 0
    assert not (tmp_path / "schemas").exists()
    first = (tmp_path / "policy.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=https://example.invalid/fairgov/schemas/policy.schema.json"


def test_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "modelcard.yaml").write_text("keep me\n")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"FG601 error: {tmp_path / 'modelcard.yaml'} already exists" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modelcard.yaml"]
    assert (tmp_path / "modelcard.yaml").read_text() == "keep me\n"


@pytest.mark.parametrize("name", ["Ünïcode ☃ project", "---", "x" * 100, "a: b # c"])
def test_any_name_gives_valid_ids(tmp_path: Path, name: str) -> None:
    from fairgov.scaffold import names, scaffold, write_new

    write_new(tmp_path, scaffold(names(tmp_path, name, name), dt.date(2026, 1, 2)))
    _write_manifest(tmp_path)
    cp = compile_project(tmp_path)
    assert cp.ok, [d.message for d in cp.diagnostics]
    assert cp.project is not None and cp.project.title == name
