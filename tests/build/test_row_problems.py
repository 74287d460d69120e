"""Invalid manifest rows as a newcomer meets them: one grouped diagnostic with its remedies,
a value-map key "" for blanks, and `drop_invalid_rows` that says what it dropped."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from fairgov.cli.main import main

REPO = Path(__file__).resolve().parents[2]
RESULTS_SCHEMA = json.loads((REPO / "schemas/results.schema.json").read_text())
BLANK = range(3, 37)  # 34 rows, CSV lines 5..38


@pytest.fixture
def blanks(project: Path) -> Path:
    path = project / "data/manifest.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[df.index[list(BLANK)], "sex"] = ""
    df.to_csv(path, index=False)
    return project


def check(project: Path, out: Path, capsys) -> tuple[int, str, dict]:
    capsys.readouterr()
    rc = main(["check", str(project), "--out", str(out), "--date", "2026-11-28"])
    return rc, capsys.readouterr().err, json.loads((out / "results.json").read_text())


def test_blank_attribute_is_one_grouped_diagnostic_with_remedies(
    blanks: Path, tmp_path: Path, capsys
) -> None:
    rc, err, results = check(blanks, tmp_path / "o", capsys)
    assert rc == 1 and results["evaluations"]["evaluation/cxr-demo-probe"]["status"] == "error"
    assert err.count("FG404") == 1
    assert (
        "data/manifest.csv:5:1: FG404 error: 34 rows (lines 5, 6, 7, 8, 9 and 29 more): attribute "
        "'sex' is missing"
        in err
    )
    assert (
        "hint: declare what a blank 'sex' means with the key \"\" in `attributes.sex.values` in "
        "the datasheet "
        '(e.g. `"": not recorded`), or set `drop_invalid_rows: true` in the evaluation'
    ) in err
    assert "FG400 error: evaluation 'cxr-demo-probe' did not run: 34 invalid rows" in err
    assert (
        "hint: it stopped at the invalid rows reported with it; fix them, or set "
        "`drop_invalid_rows: true`"
        in err
    )


def test_explain_fg404_gives_the_remedies(capsys) -> None:
    assert main(["explain", "FG404"]) == 0
    out = capsys.readouterr().out
    assert (
        'the key ""' in out and "drop_invalid_rows: true" in out and "count and first lines" in out
    )


def test_empty_value_map_key_declares_what_a_blank_means(
    blanks: Path, tmp_path: Path, capsys, edit
) -> None:
    edit(
        blanks / "datasheet.yaml",
        "values: {F: female, M: male}",
        'values: {F: female, M: male, "": not recorded}',
    )
    rc, err, results = check(blanks, tmp_path / "o", capsys)
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "ok" and "FG404" not in err
    man = pd.read_csv(blanks / "data/manifest.csv", dtype=str, keep_default_na=False)
    want = man[man.sex == ""].groupby("split").size().to_dict()
    assert {s: ev["composition"]["sex"][s].get("not recorded", 0) for s in want} == want
    test_blank = man[(man.sex == "") & (man.split == "test")]
    assert ev["measure"]["attributes"]["sex"]["groups"]["not recorded"]["n"] == len(test_blank)


def test_whitespace_value_map_key_is_diagnosed(project: Path, edit, capsys) -> None:
    edit(
        project / "datasheet.yaml",
        "values: {F: female, M: male}",
        'values: {F: female, M: male, " ": not recorded}',
    )
    assert main(["validate", str(project)]) == 1
    out = capsys.readouterr().out
    assert (
        "FG315 error: attribute 'sex': value-map key ' ' is only whitespace; blank cells never "
        "match it"
        in out
    )
    assert 'hint: use the key "" to declare what a blank cell means' in out


def test_drop_invalid_rows_says_what_it_dropped_and_counts_them_nowhere(
    blanks: Path, tmp_path: Path, capsys, edit
) -> None:
    edit(blanks / "evaluation.yaml", "splits:\n", "drop_invalid_rows: true\nsplits:\n")
    rc, err, results = check(blanks, tmp_path / "o", capsys)
    jsonschema.validate(results, RESULTS_SCHEMA)
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "ok"
    assert (
        "FG430 warning: drop_invalid_rows: 34 of 800 manifest row(s) left out of metrics and "
        "composition — "
        "data/manifest.csv: FG404 34 rows (lines 5, 6, 7, 8, 9 and 29 more): attribute 'sex' is "
        "missing"
    ) in err
    assert ev["dropped"]["rows"] == 34 and ev["dropped"]["reasons"][0]["line"] == 5
    comp = ev["composition"]["sex"]
    assert sum(n for split in comp.values() for n in split.values()) == 800 - 34
    assert all("unknown" not in split for split in comp.values())
    for attr in ("site", "age_band"):
        assert (
            sum(n for split in ev["composition"][attr].values() for n in split.values()) == 800 - 34
        )


def test_github_annotation_carries_the_grouped_message_and_hint(
    blanks: Path, tmp_path: Path, capsys
) -> None:
    capsys.readouterr()
    main(
        [
            "check",
            str(blanks),
            "--out",
            str(tmp_path / "o"),
            "--date",
            "2026-11-28",
            "--format",
            "github",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "title=FG404" in x)
    assert line.startswith(
        "::error file=data/manifest.csv,line=5,col=1,title=FG404::34 rows (lines 5, 6, 7, 8, 9 and "
        "29 more)"
    )
    assert "(hint: declare what a blank 'sex' means" in line
