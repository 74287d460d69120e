"""`fairgov monitor` on the command line: formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairgov.cli.main import main


@pytest.mark.slow  # two end-to-end monitor runs of the example (about 5 s)
def test_json_and_github_formats(example: Path, capsys) -> None:
    assert main(["monitor", str(example), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"]["blocking"] == ["tpr-gap-site"]
    gap = next(t for t in out["triggers"] if t["id"] == "tpr-gap-site")
    assert (
        gap["alert_periods"] == ["2026-09-01", "2026-10-01"] and "AI board review" in gap["action"]
    )
    assert main(["monitor", str(example), "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("::error file=deployment.yaml,line=") and "FG720" in line for line in lines
    )
    assert sum("::warning" in line for line in lines) == 2
    assert (example / "build/monitor/st-example-central/monitoring.json").is_file()


@pytest.mark.slow  # two end-to-end monitor runs of the example (about 5 s)
def test_until_and_as_of_limit_what_is_judged(example: Path, capsys) -> None:
    # as known on 2026-09-15 only January to June are judged; no blocking alert yet
    assert main(["monitor", str(example), "--as-of", "2026-09-15", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    gap = next(t for t in out["triggers"] if t["id"] == "tpr-gap-site")
    assert gap["status"] == "ok" and gap["latest_period"] == "2026-06-01"
    # before the drift
    assert main(["monitor", str(example), "--until", "2026-07-01", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(t["alert_periods"] == [] for t in out["triggers"])


def test_unknown_deployment(example: Path, capsys) -> None:
    assert main(["monitor", str(example), "--deployment", "nowhere"]) == 2
    assert "FG714" in capsys.readouterr().err


def test_a_deployment_without_a_plan(example: Path, capsys, edit) -> None:
    edit(
        example / "deployment.yaml",
        "  source:\n    type: file\n    path: data/production/log-*.csv\n",
        "",
    )
    assert main(["monitor", str(example)]) == 2
    assert "FG700" in capsys.readouterr().err
    assert main(["monitor", str(example), "--deployment", "st-example-central"]) == 2
    assert (
        "deployment 'st-example-central' has no machine-readable monitoring plan"
        in capsys.readouterr().err
    )


def test_threshold_fitted_takes_the_number_the_last_build_recorded(example: Path, capsys) -> None:
    spec = example / "deployment.yaml"
    spec.write_text(spec.read_text().replace("threshold: 0.1927", "threshold: fitted"))
    assert main(["monitor", str(example), "--format", "json"]) == 2  # no build yet: fail closed
    err = capsys.readouterr().err
    assert "FG723" in err and "deployment.yaml:" in err and "Traceback" not in err
    results = example / "build/results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    evaluation = "evaluation/cxr-demo-probe"
    results.write_text(json.dumps({"evaluations": {evaluation: {"threshold": {"value": 0.1927}}}}))
    assert main(["monitor", str(example), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["verdict"]["blocking"] == ["tpr-gap-site"]
    doc = json.loads((example / "build/monitor/st-example-central/monitoring.json").read_text())
    assert doc["plan"]["threshold"] == 0.1927


def test_a_deployed_group_threshold_variant_is_refused_with_its_own_code(
    example: Path, capsys
) -> None:
    # the evaluation gains a per-group-threshold variant and the deployment deploys it
    ev = example / "evaluation.yaml"
    ev.write_text(ev.read_text().replace(
        "compare:\n",
        "  - id: site-thresholds\n    type: group_thresholds\n    by: [site]\n"
        "    objective: equal_opportunity\ncompare:\n", 1))
    spec = example / "deployment.yaml"
    spec.write_text(
        spec.read_text().replace(
            "  variant: baseline\n  threshold: 0.1927\n",
            "  variant: site-thresholds\n  threshold: fitted\n  attribute_at_inference:\n"
            "    source: DICOM (0008,0080) InstitutionName\n"
            "    statement: The site comes from the DICOM header; a study without one is not "
            "scored.\n",
            1,
        )
    )
    results = example / "build/results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    evaluation = "evaluation/cxr-demo-probe"
    variant = {"threshold": {"policy": "group_thresholds", "value": None, "groups": {}}}
    results.write_text(json.dumps({"evaluations": {evaluation: {
        "threshold": {"value": 0.1927}, "variants": {"site-thresholds": variant}}}}))
    # fail closed, never a wrong number
    assert main(["monitor", str(example), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert (
        "FG724" in err
        and "site-thresholds" in err
        and "FG723" not in err
        and "Traceback" not in err
    )
