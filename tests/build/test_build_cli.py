"""`fairgov check/build` end to end through the CLI on the bring-your-own-predictions project."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from fairgov.cli.main import main

REPO = Path(__file__).resolve().parents[2]
RESULTS_SCHEMA = json.loads((REPO / "schemas/results.schema.json").read_text())
SARIF_SCHEMA = json.loads((REPO / "tests/fixtures/sarif-schema-2.1.0.json").read_text())


def check(project: Path, out: Path, *extra: str) -> tuple[int, dict]:
    rc = main(["check", str(project), "--out", str(out), "--date", "2026-11-28", *extra])
    return rc, json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[int, dict, Path]:
    import shutil

    root = tmp_path_factory.mktemp("built")
    shutil.copytree(REPO / "tests/fixtures/project", root / "project")
    out = root / "out"
    rc, results = check(root / "project", out)
    return rc, results, out


def test_results_json_is_valid_and_complete(built) -> None:
    rc, results, _ = built
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert rc == 1 and results["verdict"]["status"] == "blocked"
    gates = {g["id"]: g for g in results["gates"]}
    assert gates["auroc-gap-sex"]["status"] == "pass"
    assert gates["threshold-matches"]["status"] == "fail"  # the deployment pins 0.5
    site = gates["auroc-gap-site"]
    assert site["source"] == {"file": "policy.yaml", "line": 29, "col": 5}
    assert site["ci_low"] <= site["value"] <= site["ci_high"]
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "ok" and ev["threshold"]["fitted_on"] == "validation"
    cell = ev["measure"]["attributes"]["sex"]["groups"]["female"]
    assert cell["n"] == cell["n_pos"] + cell["n_neg"] > 0
    assert set(ev["composition"]["site"]) == {"train", "validation", "test"}
    roles = {i["role"] for i in results["provenance"]["inputs"]}
    assert {"spec:Policy", "manifest", "predictions"} <= roles


def test_metrics_match_sklearn(built) -> None:
    """The subgroup AUROC in results.json equals scikit-learn on the same test rows."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    _, results, _ = built
    man = pd.read_csv(REPO / "tests/fixtures/project/data/manifest.csv")
    pred = pd.read_csv(REPO / "tests/fixtures/project/data/predictions.csv")
    df = man.merge(pred, on="image")
    test = df[(df.split == "test") & (df.site == "river")]
    want = roc_auc_score(test.finding, test.score)
    got = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]["attributes"]["site"][
        "groups"
    ]["river"]["metrics"]["auroc"]["value"]
    assert got == pytest.approx(want, abs=1e-12)


def test_junit_has_one_case_per_gate(built) -> None:
    _, results, out = built
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(results["gates"]) == int(suite.get("tests"))
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {g["id"] for g in results["gates"] if g["status"] == "fail"}


def test_sarif_is_valid_and_located_at_gate_lines(built) -> None:
    _, results, out = built
    log = json.loads((out / "results.sarif").read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    locs = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    }
    assert ("FG506", "policy.yaml", 60) in locs or any(u == "policy.yaml" for _, u, _ in locs)
    assert all(u == "policy.yaml" for _, u, _ in locs)


def test_summary_md(built) -> None:
    _, _, out = built
    text = (out / "summary.md").read_text()
    assert text.startswith("## fairgov: BLOCKED")
    assert "| ✖ FAIL | threshold-matches" in text


def test_builds_are_byte_identical(project: Path, tmp_path: Path) -> None:
    check(project, tmp_path / "a")
    check(project, tmp_path / "b")
    assert (tmp_path / "a/results.json").read_bytes() == (tmp_path / "b/results.json").read_bytes()
    assert (tmp_path / "a/junit.xml").read_bytes() == (tmp_path / "b/junit.xml").read_bytes()


def test_source_date_epoch_sets_build_date(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    main(["check", str(project), "--out", str(tmp_path)])
    assert json.loads((tmp_path / "results.json").read_text())["build_date"] == "2026-01-01"


def test_passing_project_exits_zero_and_strict_blocks_warnings(
    project: Path, tmp_path: Path, edit
) -> None:
    # make every blocking gate pass: match the threshold, drop HTI-1 coverage, relax site gap
    edit(project / "policy.yaml", "    min: 1.0\n", "    min: 0.5\n")
    edit(
        project / "policy.yaml",
        "    across: [site]\n    statistic: gap\n    max: 0.10",
        "    across: [site]\n    statistic: gap\n    max: 0.30",
    )
    rc, results = check(project, tmp_path / "probe")
    th = results["evaluations"]["evaluation/cxr-demo-probe"]["threshold"]["value"]
    edit(project / "deployment.yaml", "  threshold: 0.5", f"  threshold: {th!r}")
    rc, results = check(project, tmp_path / "ok")
    assert rc == 0, [(g["id"], g["status"]) for g in results["gates"]]
    assert any(g["status"] == "warn" for g in results["gates"])
    rc, results = check(project, tmp_path / "strict", "--strict")
    assert rc == 1 and results["verdict"]["status"] == "blocked"


def test_broken_predictions_fail_closed(project: Path, tmp_path: Path, capsys) -> None:
    path = project / "data/predictions.csv"
    lines = path.read_text().splitlines()
    lines[5] = lines[5].split(",")[0] + ",1.7"
    path.write_text("\n".join(lines) + "\n")
    rc, results = check(project, tmp_path)
    assert rc == 1
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "error" and ev["code"] == "FG412"
    metric_gates = [
        g for g in results["gates"] if g["type"] == "metric" and g["severity"] == "block"
    ]
    assert metric_gates and all(
        g["status"] == "inconclusive" and g["blocking"] for g in metric_gates
    )
    err = capsys.readouterr().err
    assert (
        "data/predictions.csv:6:1: FG412 error: row 6: score '1.7' is not a probability in [0, 1]"
        in err
    )
    assert "evaluation.yaml:15:3: FG400 error: evaluation 'cxr-demo-probe' did not run" in err


def test_spec_errors_exit_two_and_write_nothing(project: Path, tmp_path: Path, edit) -> None:
    edit(project / "policy.yaml", "holm: false", "holm: maybe")
    assert main(["check", str(project), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_bad_date_is_a_usage_error(project: Path, tmp_path: Path, capsys) -> None:
    assert main(["check", str(project), "--out", str(tmp_path), "--date", "28/11/2026"]) == 2
    assert "FG206" in capsys.readouterr().err


def test_github_format_prints_gate_annotations(project: Path, tmp_path: Path, capsys) -> None:
    main(
        [
            "check",
            str(project),
            "--out",
            str(tmp_path),
            "--date",
            "2026-11-28",
            "--format",
            "github",
        ]
    )
    out = capsys.readouterr().out
    assert "::error file=policy.yaml,line=29,col=5,title=FG50" in out


def test_unwritable_output_dir_is_a_clear_error(project: Path, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["check", str(project), "--out", str(blocker / "out"), "--date", "2026-11-28"]) == 2
    assert "FG601 error: cannot write outputs" in capsys.readouterr().err


def test_disk_full_keeps_previous_results(
    project: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    import errno
    import os

    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("previous")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    assert main(["check", str(project), "--out", str(out), "--date", "2026-11-28"]) == 2
    assert "FG601 error: cannot write outputs: No space left on device" in capsys.readouterr().err
    assert (out / "results.json").read_text() == "previous"
    assert [p.name for p in out.iterdir()] == ["results.json"]  # no temp files left behind


def test_diff_flags_new_failures(project: Path, tmp_path: Path, edit, capsys) -> None:
    check(project, tmp_path / "base")
    edit(
        project / "policy.yaml",
        "    across: [sex]\n    statistic: gap\n    max: 0.10",
        "    across: [sex]\n    statistic: gap\n    max: 0.001",
    )
    check(project, tmp_path / "head")
    capsys.readouterr()
    rc = main(
        [
            "diff",
            str(tmp_path / "base/results.json"),
            str(tmp_path / "head/results.json"),
            "--format",
            "json",
        ]
    )
    d = json.loads(capsys.readouterr().out)
    assert rc == 1 and "policy/st-example-fairness:auroc-gap-sex" in d["new_failures"]


def test_verify_reports_exactly_the_changed_inputs(project: Path, tmp_path: Path, capsys) -> None:
    check(project, tmp_path)
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "results.json"), str(project)]) == 0
    assert "0 changed or missing" in capsys.readouterr().out
    (project / "data/predictions.csv").write_text(
        (project / "data/predictions.csv").read_text() + "\n"
    )
    (project / "deployment.yaml").unlink()
    assert main(["verify", str(tmp_path / "results.json"), str(project), "--format", "json"]) == 1
    bad = {
        c["path"]: c["status"]
        for c in json.loads(capsys.readouterr().out)
        if c["status"] != "unchanged"
    }
    assert bad == {"data/predictions.csv": "changed", "deployment.yaml": "missing"}


@pytest.mark.slow
def test_an_unchanged_rebuild_reuses_every_pdf(project: Path, tmp_path: Path) -> None:
    def build(*extra: str) -> tuple[dict | None, dict[str, bytes]]:
        assert main(["build", str(project), "--out", str(tmp_path / "out"), "--quiet",
                     "--date", "2026-11-28", *extra]) == 1
        pdfs = {p.name: p.read_bytes() for p in (tmp_path / "out/reports").glob("*.pdf")}
        return json.loads((tmp_path / "out/run-stats.json").read_text()).get("reports"), pdfs

    stats, first = build()
    assert stats is not None and stats["pdf_rendered"] == len(first) == 4
    assert stats["pdf_reused"] == 0
    stats, again = build()
    assert stats == {"pdf_reused": 4, "pdf_rendered": 0, "pdf_cache_corrupt_entries": 0}
    assert again == first
    stats, fresh = build("--no-reuse")
    assert stats is None and fresh == first  # rendered again, without the cache
