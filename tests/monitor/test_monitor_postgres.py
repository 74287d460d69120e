"""The SQL source end to end against a real PostgreSQL server (skipped only where no
PostgreSQL binaries are installed; CI installs Debian's `postgresql`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairgov.monitor.api import run_monitor
from tests.monitor.pgserver import binaries, postgres_server

pytestmark = pytest.mark.skipif(
    binaries() is None, reason="no PostgreSQL binaries (/usr/lib/postgresql/*/bin)"
)

DDL = """CREATE TABLE production_log (study_id text PRIMARY KEY, patient_id text NOT NULL,
    study_time timestamp NOT NULL, score double precision, flag integer, label integer,
    label_time timestamp, override integer, sex text, age integer, site text)"""


def _load(url: str, root: Path) -> int:
    import sqlalchemy as sa

    frames = [
        pd.read_csv(p, dtype={"label": "Int64"})
        for p in sorted((root / "data/production").glob("log-*.csv"))
    ]
    log = pd.concat(frames, ignore_index=True)
    for col in ("study_time", "label_time"):
        log[col] = pd.to_datetime(log[col])
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(DDL))
        log.to_sql(
            "production_log", conn, if_exists="append", index=False, method="multi", chunksize=2000
        )
    engine.dispose()
    return len(log)


@pytest.mark.slow
def test_postgres_source_end_to_end(example: Path, tmp_path: Path, edit, monkeypatch) -> None:
    from_files = run_monitor(example, store=str(tmp_path / "files.duckdb"), out=tmp_path / "files")
    edit(example / "deployment.yaml", "    type: file\n    path: data/production/log-*.csv",
         "    type: sql\n    url_env: FAIRGOV_LOG_URL\n    table: production_log")
    with postgres_server() as url:
        assert _load(url, example) == 18000
        monkeypatch.setenv("FAIRGOV_LOG_URL", url)
        outcome = run_monitor(example, store=str(tmp_path / "sql.duckdb"), out=tmp_path / "sql")
        again = run_monitor(example, store=str(tmp_path / "sql.duckdb"), out=tmp_path / "sql")
    assert outcome.exit_code == from_files.exit_code == 1
    # the same rows give the same numbers
    assert outcome.doc["measures"] == from_files.doc["measures"]
    for a, b in zip(outcome.doc["triggers"], from_files.doc["triggers"], strict=True):
        assert (a["id"], a["status"], a["alert_periods"]) == (
            b["id"],
            b["status"],
            b["alert_periods"],
        )
        assert [p["value"] for p in a["periods"]] == [p["value"] for p in b["periods"]]
    (source,) = [i for i in outcome.doc["provenance"]["inputs"] if i["role"] == "production-log"]
    assert source["path"] == "sql:production_log" and len(source["sha256"]) == 64
    assert again.stats["measures_computed"] == 0 and again.stats["outcomes_computed"] == 0


@pytest.mark.slow
def test_postgres_query_source_and_bad_rows(
    example: Path, tmp_path: Path, edit, monkeypatch, capsys
) -> None:
    from fairgov.cli.main import main

    edit(
        example / "deployment.yaml",
        "    type: file\n    path: data/production/log-*.csv",
        "    type: sql\n    url_env: FAIRGOV_LOG_URL\n    query: SELECT * FROM production_log "
        "WHERE study_time < '2026-04-01' ORDER BY study_id",
    )
    with postgres_server() as url:
        _load(url, example)
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE production_log SET score = 1.5 WHERE study_id = 'S0100004'")
            )
        engine.dispose()
        monkeypatch.setenv("FAIRGOV_LOG_URL", url)
        code = main(["monitor", str(example), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (
        "sql:query:5:1: FG706 error: row 5, column 'score': score '1.5' is not a number in [0, 1]"
        in err
    )
