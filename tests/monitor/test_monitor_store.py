"""History store: a re-run computes nothing, a late label re-opens only its period, the store
survives a killed run and two concurrent runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from fairgov.monitor.api import run_monitor
from tests.monitor.conftest import REPO


def stats(out: Path) -> dict:
    return json.loads((out / "run-stats.json").read_text())


@pytest.mark.slow
def test_rerun_computes_nothing_and_a_late_label_reopens_only_its_period(example: Path) -> None:
    first = run_monitor(example)
    assert first.stats["measures_computed"] == 10 and first.stats["outcomes_reused"] == 0
    assert first.stats["files_read"] == 12 and first.stats["files_reused"] == 0
    second = run_monitor(example)
    assert second.stats == {
        **first.stats,
        "measures_computed": 0,
        "measures_reused": 10,
        "outcomes_computed": 0,
        "outcomes_reused": first.stats["outcomes_computed"],
        "periods_fetched": 0,
        "files_read": 0,
        "files_reused": 12,
    }
    assert second.doc == first.doc
    log = example / "data/production/log-2026-03.csv"
    lines = log.read_text().splitlines()
    cells = lines[10].split(",")
    cells[5] = "1" if cells[5] == "0" else "0"  # the adjudication changed this study's label
    lines[10] = ",".join(cells)
    log.write_text("\n".join(lines) + "\n")
    third = run_monitor(example)
    assert third.stats["measures_computed"] == 1 and third.stats["periods_fetched"] == 1
    assert third.stats["outcomes_computed"] == 6  # the six checks of March only
    # only the changed file is read
    assert third.stats["files_read"] == 1 and third.stats["files_reused"] == 11
    changed = {
        k for k in third.doc["measures"] if third.doc["measures"][k] != first.doc["measures"][k]
    }
    assert changed == {"2026-03-01"}


def _cli(root: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out.mkdir(parents=True, exist_ok=True)
    with (out.parent / f"{out.name}.stderr").open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "fairgov", "monitor", str(root), "--out", str(out)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


@pytest.mark.slow
def test_store_survives_a_killed_run_and_concurrent_runs(example: Path, tmp_path: Path) -> None:
    store = example / ".fairgov/cache/monitor/history.duckdb"
    for delay in (1.0, 2.0, 3.0):
        proc = _cli(example, tmp_path / "killed")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if store.exists():  # whatever was committed is readable and whole
            con = duckdb.connect(str(store), read_only=True)
            for (payload,) in con.execute("SELECT payload FROM results").fetchall():
                json.loads(payload)
            con.close()
    a, b = _cli(example, tmp_path / "a"), _cli(example, tmp_path / "b")
    assert (a.wait(), b.wait()) == (1, 1), (tmp_path / "a.stderr").read_text() + (
        tmp_path / "b.stderr"
    ).read_text()
    fresh = run_monitor(example, store=str(tmp_path / "fresh.duckdb"), out=tmp_path / "c")
    for name in ("a", "b"):
        assert json.loads((tmp_path / name / "monitoring.json").read_text()) == fresh.doc
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM results WHERE kind <> 'file'").fetchone() == (10 + 66,)
    # one scan per log file
    assert con.execute("SELECT count(*) FROM results WHERE kind = 'file'").fetchone() == (12,)
    con.close()
    assert (
        stats(tmp_path / "a")["measures_computed"] + stats(tmp_path / "b")["measures_computed"]
        <= 10
    )


def test_cached_file_scans_still_catch_bad_rows_in_new_and_changed_files(
    example: Path, capsys
) -> None:
    from fairgov.cli.main import main

    # every file scanned and cached
    assert run_monitor(example, reports=False).stats["files_read"] == 12
    prod = example / "data/production"
    lines = (prod / "log-2026-01.csv").read_text().splitlines()
    extra = (
        lines[1]
        .replace("2026-01-01T01:36:57", "2027-01-01T01:36:57")
        .replace("2026-02-03", "2027-02-03")
    )
    # a new file repeats a cached file's study id
    (prod / "log-2027-01.csv").write_text(lines[0] + "\n" + extra + "\n")
    assert main(["monitor", str(example), "--out", str(example / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        "FG704" in err
        and "study id 'S0100000' also appears at data/production/log-2026-01.csv line 2" in err
    )
    assert "log-2027-01.csv:2:" in err and "Traceback" not in err
    (prod / "log-2027-01.csv").unlink()
    march = prod / "log-2026-03.csv"
    rows = march.read_text().splitlines()
    # a changed file with a score out of range
    rows[6] = rows[6].replace(rows[6].split(",")[3], "1.7", 1)
    march.write_text("\n".join(rows) + "\n")
    assert main(["monitor", str(example), "--out", str(example / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        "FG706" in err
        and "log-2026-03.csv:7:" in err
        and "score '1.7' is not a number in [0, 1]" in err
    )
    assert not (example / "out" / "monitoring.json").exists()


def test_a_new_store_appears_whole_even_after_a_creation_was_killed(tmp_path: Path) -> None:
    from fairgov.monitor.store import Store

    path = tmp_path / "history.duckdb"
    (tmp_path / "history.duckdb.new").write_bytes(b"half-written by a killed run")
    with Store(path) as store:
        assert store.count() == 0
        store.put_many({"k": ("measure", {"auroc": 0.9})})
    assert not (tmp_path / "history.duckdb.new").exists()
    con = duckdb.connect(str(path), read_only=True)  # a reader sees the table, never a bare file
    assert con.execute("SELECT kind, payload FROM results").fetchall() == [
        ("measure", '{"auroc": 0.9}')
    ]
    con.close()
