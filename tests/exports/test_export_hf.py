"""`fairgov export hf-model-card`: huggingface_hub loads the card and parses every subgroup
result; bad input writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairgov.cli.main import main

huggingface_hub = pytest.importorskip("huggingface_hub")

SECTIONS = [
    "## Model Details",
    "### Model Description",
    "## Uses",
    "### Direct Use",
    "### Out-of-Scope Use",
    "## Bias, Risks, and Limitations",
    "### Recommendations",
    "## How to Get Started with the Model",
    "## Training Details",
    "### Training Data",
    "## Evaluation",
    "### Testing Data, Factors & Metrics",
    "#### Testing Data",
    "#### Factors",
    "#### Metrics",
    "### Results",
    "#### Summary",
    "## Environmental Impact",
    "## Citation",
    "## Model Card Contact",
]


def _export(built, out: Path, *extra: str) -> int:
    project, results = built
    return main(
        [
            "export",
            "hf-model-card",
            "cxr-triage-fm",
            str(project),
            "--results",
            str(results),
            "--out",
            str(out),
            *extra,
        ]
    )


def test_card_loads_and_results_parse(built, cells, tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    assert _export(built, out) == 0
    card = huggingface_hub.ModelCard.load(out)
    assert (
        card.data.model_name == "CXR-Triage-FM" and card.data.pipeline_tag == "image-classification"
    )
    parsed = {
        (
            r.dataset_config,
            r.metric_args.get("attribute"),
            r.metric_args.get("group"),
            r.metric_type,
        ): r
        for r in card.data.eval_results
    }
    defined = [c for c in cells if c[4]["value"] is not None]
    assert len(defined) > 100
    for ref, attr, group, metric, m, cell in defined:
        r = parsed[(ref.split("/")[1], attr, group, metric)]
        assert r.metric_value == m["value"] and r.metric_name == f"{metric} ({attr}: {group})"
        assert (r.metric_args["ci_low"], r.metric_args["ci_high"], r.metric_args["n"]) == (
            m["ci_low"], m["ci_high"], cell["n"])
        assert (r.task_type, r.dataset_type, r.dataset_split) == (
            "image-classification",
            "cxr-demo",
            "test",
        )
    assert not any(
        r.metric_args.get("group") == "female×18-39" for r in card.data.eval_results
    )  # undefined
    overall = parsed[("cxr-demo-probe", None, None, "auroc")]
    assert overall.metric_args["subgroup"] == "overall"


def test_body_follows_the_hf_template(built, tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    _export(built, out)
    text = huggingface_hub.ModelCard.load(out).text
    positions = [text.index(s + "\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "| female | 127 | 44 | 83 | 0.987 (0.969–0.996) |" in text
    assert "- female×18-39: undefined: 5 positives < minimum 10" in text
    assert "*Not applicable:* In-house pilot" in text  # not_applicable keeps its justification


def test_without_results_there_is_no_model_index(built, tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    assert main(["export", "hf-model-card", "cxr-triage-fm", str(built[0]), "--out", str(out)]) == 0
    card = huggingface_hub.ModelCard.load(out)
    assert card.data.eval_results is None and "No results were exported" in card.text


def test_unknown_id_lists_known_ids(
    built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "README.md"
    assert main(["export", "hf-model-card", "nope", str(built[0]), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        "FG302 error: no ModelCard with id 'nope'" in err
        and "hint: known ModelCard ids: cxr-triage-fm" in err
    )
    assert not out.exists()


def test_invalid_project_exits_1_and_writes_nothing(built, tmp_path: Path, edit,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    project = tmp_path / "project"
    shutil.copytree(built[0], project)
    edit(project / "modelcard.yaml", "title: CXR triage", "title: '' #")
    out = tmp_path / "README.md"
    assert main(["export", "hf-model-card", "cxr-triage-fm", str(project), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (
        "modelcard.yaml:5:8: FG207 error: title: answer is empty" in err
        and "nothing was exported" in err
    )
    assert not out.exists()


def test_existing_file_needs_force(
    built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "README.md"
    out.write_text("hand-written card\n")
    assert _export(built, out) == 2
    assert "FG601" in capsys.readouterr().err and out.read_text() == "hand-written card\n"
    assert _export(built, out, "--force") == 0
    assert out.read_text().startswith("---\n")


def test_results_of_another_project_are_refused(
    built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    other = json.loads(built[1].read_text())
    other["project"]["id"] = "someone-else"
    results = tmp_path / "results.json"
    results.write_text(json.dumps(other))
    out = tmp_path / "README.md"
    args = [
        "export",
        "hf-model-card",
        "cxr-triage-fm",
        str(built[0]),
        "--results",
        str(results),
        "--out",
        str(out),
    ]
    assert main(args) == 2
    assert "FG603 error: results are from project 'someone-else'" in capsys.readouterr().err
    assert not out.exists()
