"""Bad production logs and plans: a coded diagnostic naming the file and line, exit 2, no
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairgov.cli.main import main

LOG = "data/production/log-2026-03.csv"


def _edit_cell(root: Path, line: int, column: str, value: str) -> None:
    path = root / LOG
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def _run(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["monitor", str(root), "--out", str(root / "out"), *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "FG900" not in err
    return code, err


@pytest.mark.parametrize(
    ("column", "value", "code", "words"),
    [
        (
            "study_time",
            "31/03/2026 10:00",
            "FG703",
            "study time '31/03/2026 10:00' is not a timestamp",
        ),
        ("label_time", "soon", "FG703", "label time 'soon' is not a timestamp"),
        ("label_time", "2026-01-02T00:00:00", "FG705", "before its study"),
        ("score", "1.7", "FG706", "score '1.7' is not a number in [0, 1]"),
        ("score", "nan", "FG706", "is not a number in [0, 1]"),
        ("site", "harbour", "FG707", "site value 'harbour' is not declared in the datasheet"),
        ("age", "old", "FG707", "age_band value 'old' is not a number"),
        ("label", "2", "FG708", "label '2' is not one of the declared classes"),
        ("patient_id", "", "FG709", "no patient id"),
        ("flag", "yes", "FG719", "the flag shown is not 0 or 1"),
        (
            "study_id",
            "S0100000",
            "FG704",
            "study id 'S0100000' also appears at data/production/log-2026-01.csv line 2",
        ),
    ],
)
def test_bad_rows_are_located(
    example: Path, capsys, column: str, value: str, code: str, words: str
) -> None:
    _edit_cell(example, 7, column, value)
    rc, err = _run(example, capsys)
    assert rc == 2
    assert (
        f"{LOG}:7:1: {code}" in err
        or f"{LOG}:7:1: error {code}" in err
        or (code in err and ":7:" in err)
    ), err
    assert words in err
    assert not (example / "out" / "monitoring.json").exists()  # nothing judged on a bad log


def test_missing_column(example: Path, capsys) -> None:
    path = example / LOG
    path.write_text(
        path.read_text().replace(
            "study_id,patient_id,study_time,score", "study_id,patient,study_time,score", 1
        )
    )
    rc, err = _run(example, capsys)
    assert rc == 2 and "FG702" in err and "'patient_id' (patient_id)" in err and LOG in err


def test_no_matching_file_and_bad_dates(example: Path, capsys, edit) -> None:
    edit(example / "deployment.yaml", "path: data/production/log-*.csv", "path: data/nothing-*.csv")
    rc, err = _run(example, capsys)
    assert rc == 2 and "FG701" in err and "matches no CSV or Parquet file" in err
    rc, err = _run(example, capsys, "--since", "March")
    assert rc == 2 and "FG715" in err


def test_missing_credential_and_unreachable_database(
    example: Path, capsys, edit, monkeypatch
) -> None:
    edit(example / "deployment.yaml", "    type: file\n    path: data/production/log-*.csv",
         "    type: sql\n    url_env: FAIRGOV_TEST_LOG_URL\n    table: production_log")
    monkeypatch.delenv("FAIRGOV_TEST_LOG_URL", raising=False)
    rc, err = _run(example, capsys)
    assert rc == 2 and "FG710" in err and "FAIRGOV_TEST_LOG_URL" in err
    monkeypatch.setenv("FAIRGOV_TEST_LOG_URL", "postgresql+psycopg://monitor:s3cret@127.0.0.1:9/log?connect_timeout=2")
    rc, err = _run(example, capsys)
    assert rc == 2 and "FG711" in err and "sql:production_log" in err and "s3cret" not in err


def test_validate_time_diagnostics(example: Path, capsys, edit) -> None:
    edit(
        example / "deployment.yaml",
        "across: [age_band], statistic: gap",
        "across: [ethnicity], statistic: gap",
    )
    edit(example / "deployment.yaml", "id: sensitivity", "id: tpr-gap-site")
    assert main(["validate", str(example)]) == 1
    err = capsys.readouterr().out + capsys.readouterr().err
    assert "FG716" in err and "'ethnicity'" in err and "FG717" in err


def test_validate_rejects_a_check_without_a_limit(example: Path, capsys, edit) -> None:
    edit(
        example / "deployment.yaml",
        "statistic: overall, min: 0.75, bound: upper",
        "statistic: overall, bound: upper",
    )
    assert main(["validate", str(example)]) == 1
    out = capsys.readouterr()
    assert "give exactly one of `max` or `min`" in out.out + out.err
