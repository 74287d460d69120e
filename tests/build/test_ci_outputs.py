"""CI outputs as GitHub, GitLab and a reviewer see them: repository-relative annotation and
SARIF paths, stable fingerprints, rule help, JUnit times, and the gate table/summary.md cells."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from fairgov.cli.main import main

REPO = Path(__file__).resolve().parents[2]
#: the official SARIF 2.1.0 schema (OASIS), kept in the shared reference folder
SARIF_SCHEMA = json.loads((REPO / "tests/fixtures/sarif-schema-2.1.0.json").read_text())
DATE = ["--date", "2026-11-28"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A git repository whose governance project sits in `specs/`, as in docs/ci.md."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "tests/fixtures/project", root / "specs")
    return root


def run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(list(argv))
    return rc, capsys.readouterr().out


def check(capsys, project: str, out: Path, *options: str) -> tuple[int, str]:
    """`fairgov check PROJECT --out OUT --date ... OPTIONS`: exit code and stdout."""
    return run(capsys, "check", project, "--out", str(out), *DATE, *options)


def uris(log: dict) -> set[str]:
    return {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }


def test_github_annotations_are_repository_relative(repo: Path, tmp_path: Path, capsys) -> None:
    rc, out = check(capsys, str(repo / "specs"), tmp_path / "o", "--format", "github")
    assert rc == 1
    assert (
        "::error file=specs/policy.yaml,line=65,col=5,title=FG506::gate threshold-matches fail"
        in out
    )
    assert "file=policy.yaml" not in out


def test_sarif_stdout_and_file_are_repository_relative_and_valid(
    repo: Path, tmp_path: Path, capsys
) -> None:
    rc, out = check(capsys, str(repo / "specs"), tmp_path / "o", "--format", "sarif")
    printed = json.loads(out)
    written = json.loads((tmp_path / "o/results.sarif").read_text())
    for log in (printed, written):
        jsonschema.validate(log, SARIF_SCHEMA)
        assert uris(log) == {"specs/policy.yaml"}
        driver = log["runs"][0]["tool"]["driver"]
        assert (
            driver["informationUri"].startswith("https://")
            and "example.invalid" not in driver["informationUri"]
        )
        for rule in driver["rules"]:
            assert rule["help"]["text"].endswith(
                f"Run `fairgov explain {rule['id']}` for this text in the terminal."
            )
            assert rule["fullDescription"]["text"] in rule["help"]["text"]
        for result in log["runs"][0]["results"]:
            assert len(result["partialFingerprints"]["fairgovFinding/v1"]) == 64


def test_fingerprints_survive_new_numbers(repo: Path, tmp_path: Path, capsys, edit) -> None:
    """A new predictions file moves observed values; the alert must stay the same alert."""

    def fingerprints(out: Path) -> dict[str, str]:
        main(["check", str(repo / "specs"), "--out", str(out), *DATE])
        log = json.loads((out / "results.sarif").read_text())
        return {
            r["message"]["text"].split(":")[0]: r["partialFingerprints"]["fairgovFinding/v1"]
            for r in log["runs"][0]["results"]
        }

    before = fingerprints(tmp_path / "a")
    edit(repo / "specs/deployment.yaml", "  threshold: 0.5", "  threshold: 0.61")
    after = fingerprints(tmp_path / "b")
    assert before["gate threshold-matches fail"] == after["gate threshold-matches fail"]
    assert len(set(before.values())) == len(before)  # distinct findings, distinct fingerprints


def test_repo_root_option_and_github_workspace(
    repo: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    rc, out = check(
        capsys,
        str(repo / "specs"),
        tmp_path / "o",
        "--format",
        "github",
        "--repo-root",
        str(repo.parent),
    )
    assert "file=repo/specs/policy.yaml" in out
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo / "specs"))
    rc, out = check(capsys, str(repo / "specs"), tmp_path / "o", "--format", "github")
    assert "::error file=policy.yaml,line=65" in out


def test_validate_sarif_and_github_are_repository_relative(repo: Path, capsys, edit) -> None:
    edit(
        repo / "specs/policy.yaml",
        "  - id: auroc-gap-sex",
        "  - id: auroc-gap-sex\n    colour: red",
    )
    rc, out = run(capsys, "validate", str(repo / "specs"), "--format", "sarif")
    log = json.loads(out)
    jsonschema.validate(log, SARIF_SCHEMA)
    assert rc == 1 and uris(log) == {"specs/policy.yaml"}
    rc, out = run(capsys, "validate", str(repo / "specs"), "--format", "github")
    assert (
        out.strip()
        == "::error file=specs/policy.yaml,line=24,col=5,title=FG203::unknown field 'colour'"
    )


def test_project_outside_any_repository_keeps_project_paths(
    project: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    rc, out = check(capsys, str(project), tmp_path / "o", "--format", "github")
    assert "::error file=policy.yaml,line=65" in out


def test_junit_cases_have_time_and_repository_file(repo: Path, tmp_path: Path) -> None:
    main(["check", str(repo / "specs"), "--out", str(tmp_path / "o"), *DATE])
    root = ET.parse(tmp_path / "o/junit.xml").getroot()
    cases = root.findall("testsuite/testcase")
    assert cases and all(float(c.get("time")) >= 0 for c in cases)
    assert root.get("time") is not None and root.find("testsuite").get("time") is not None
    assert {c.get("file") for c in cases} == {"specs/policy.yaml"}
    failure = next(c for c in cases if c.get("name") == "hti1-coverage").find("failure")
    assert len(failure.get("message")) <= 200 and failure.get("message").endswith(" …")


WAIVERS = """waivers:
  - gate: auroc-gap-site
    owner: Dr. Amara Osei
    justification: River site joins the network in Q1; its evidence is being collected.
    ticket: GOV-412
    expires: 2027-01-31
  - gate: ece-worst-site
    owner: Dr. Lin Park
    justification: Recalibration scheduled.
    ticket: GOV-377
    expires: 2026-10-01
"""


@pytest.fixture
def waived(project: Path, edit) -> Path:
    edit(project / "policy.yaml", "waivers: []\n", WAIVERS)
    return project


def test_terminal_table_names_worst_group_wraps_reasons_and_shows_waivers(
    waived: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    monkeypatch.setenv("COLUMNS", "150")
    rc, out = check(capsys, str(waived), tmp_path / "o")
    results = json.loads((tmp_path / "o/results.json").read_text())
    groups = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]["attributes"]["site"][
        "groups"
    ]
    defined = [k for k in groups if groups[k]["metrics"]["auroc"]["value"] is not None]
    worst = min(defined, key=lambda k: groups[k]["metrics"]["auroc"]["value"])
    cell = groups[worst]["metrics"]["auroc"]
    df = pd.read_csv(waived / "data/manifest.csv").merge(
        pd.read_csv(waived / "data/predictions.csv"), on="image"
    )
    test = df[(df.split == "test") & (df.site == worst)]
    assert cell["value"] == pytest.approx(roc_auc_score(test.finding, test.score), abs=1e-12)
    expected = f"{worst}: {cell['value']:.3f} ({cell['ci_low']:.3f}–{cell['ci_high']:.3f})"
    row = next(line for line in out.splitlines() if " auroc-gap-site " in line)
    assert row.startswith("~ waived") and expected in row
    assert "[waived: Dr. Amara Osei (GOV-412) until 2027-01-31]" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 150
    # the long coverage reason wraps and ends with an ellipsis, never cut mid-word silently
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if " hti1-coverage " in line)
    hti = [lines[start]] + [line for line in lines[start + 1 : start + 3] if line.startswith(" ")]
    assert "28/31 items covered; missing:" in hti[0] and len(hti) == 3 and hti[-1].endswith(" …")


def test_summary_md_has_worst_group_full_reason_and_waivers(
    waived: Path, tmp_path: Path, capsys
) -> None:
    check(capsys, str(waived), tmp_path / "o")
    results = json.loads((tmp_path / "o/results.json").read_text())
    text = (tmp_path / "o/summary.md").read_text()
    header = (
        "| status | gate | observed | worst-served group | limit | blocking | reason | waiver |"
    )
    assert header in text
    gates = {g["id"]: g for g in results["gates"]}
    assert gates["hti1-coverage"]["reason"] in text  # in full, no cut
    site = next(line for line in text.splitlines() if "auroc-gap-site:" in line)
    assert (
        site.startswith("| ~ waived |") and "| Dr. Amara Osei (GOV-412) until 2027-01-31 |" in site
    )
    assert "| river: " in site
    ece = next(line for line in text.splitlines() if "ece-worst-site:" in line)
    assert "| Dr. Lin Park (GOV-377) expired 2026-10-01 |" in ece
    assert "**Expired waivers:** ece-worst-site (Dr. Lin Park, GOV-377, expired 2026-10-01)" in text


def test_json_format_keeps_full_reasons(project: Path, tmp_path: Path, capsys) -> None:
    rc, out = check(capsys, str(project), tmp_path / "o", "--format", "json")
    gates = {g["id"]: g for g in json.loads(out)["gates"]}
    assert gates["hti1-coverage"]["reason"].endswith(
        "different source than the initial training data"
    )
