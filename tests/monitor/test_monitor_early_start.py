"""Work started before or beside the file scan changes nothing: files scanned two at a time
give the scan of one by one, and measure workers started before the scan are stopped when
nothing turns out to need measuring."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import duckdb
import pytest

from fairgov.monitor import measuring, scan
from fairgov.monitor.api import run_monitor
from fairgov.monitor.engine import scan_settings
from fairgov.monitor.keys import digest
from fairgov.monitor.plan import resolve_plan
from fairgov.monitor.source import open_source, row_estimate
from fairgov.monitor.store import Store
from fairgov.validate import compile_project


def _scan(example: Path, tmp: Path, readers: int, monkeypatch) -> tuple[scan.Scan, list[int]]:
    monkeypatch.setattr(scan, "READERS", readers)
    plan = resolve_plan(compile_project(example), None)
    con = duckdb.connect()
    info = open_source(con, plan.monitoring.source, plan.root, plan.entry.doc.relpath)
    told: list[int] = []
    with Store(tmp / "store.duckdb") as store:
        sc = scan.scan(
            con, plan, info, store, tmp / "ids", None, digest(scan_settings(plan)), told.extend
        )
    con.close()
    return sc, told


def test_files_scanned_two_at_a_time_equal_one_by_one(
    example: Path, tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one, told_one = _scan(example, tmp_path / "one", 1, monkeypatch)
    two, told_two = _scan(example, tmp_path / "two", 2, monkeypatch)
    assert told_one == told_two == list(range(12))  # every file new, announced before reading
    assert one.files_read == two.files_read == 12
    assert one.as_of == two.as_of
    assert one.parts == two.parts and sum(len(p) for p in one.parts.values()) >= 12
    assert one.sha256 == two.sha256
    assert one.new == two.new
    for name in os.listdir(tmp_path / "one/ids"):
        assert (tmp_path / "one/ids" / name).read_bytes() == (
            tmp_path / "two/ids" / name
        ).read_bytes()


def test_row_estimate_counts_csv_by_size(example: Path) -> None:
    plan = resolve_plan(compile_project(example), None)
    con = duckdb.connect()
    info = open_source(con, plan.monitoring.source, plan.root, plan.entry.doc.relpath)
    rows = sum(len(p.read_text().splitlines()) - 1 for p in info.files[:2])
    # a CSV row of this log is 80 to 100 bytes: the estimate is of the right size
    assert rows // 2 < row_estimate(con, info, [0, 1]) < rows * 2


@pytest.mark.slow
def test_early_workers_stop_when_nothing_is_measured(
    example: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FAIRGOV_MONITOR_WORKERS", "2")
    store = str(tmp_path / "h.duckdb")
    first = run_monitor(example, store=store, out=tmp_path / "a", reports=False)
    res = json.loads((tmp_path / "a/run-stats.json").read_text())["resources"]
    assert first.stats["measures_computed"] == 10 and res["measure_workers"] == 2
    # every file touched: all are scanned again (the workers start before), nothing measured
    for p in sorted((example / "data/production").glob("log-*.csv")):
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    started: list[int] = []
    start = measuring.Measurer._start

    def spy(self: measuring.Measurer, workers: int) -> None:
        started.append(workers)
        start(self, workers)

    monkeypatch.setattr(measuring.Measurer, "_start", spy)
    again = run_monitor(example, store=store, out=tmp_path / "b", reports=False)
    assert started == [2]  # started before the scan, once
    res = json.loads((tmp_path / "b/run-stats.json").read_text())["resources"]
    assert again.stats["files_read"] == 12 and again.stats["measures_computed"] == 0
    assert res["measure_workers"] == 1 and res["worker_peak_rss_mib"] == []
    assert multiprocessing.active_children() == []
    assert again.doc == first.doc


def test_worker_count(monkeypatch) -> None:
    monkeypatch.delenv("FAIRGOV_MONITOR_WORKERS", raising=False)
    monkeypatch.setattr(measuring, "usable_cpus", lambda: 2)
    big = measuring.MIN_WORK
    # one measure of enough work goes to one worker beside this process
    assert measuring.workers_for(1, big) == 1 and measuring.workers_for(5, big) == 2
    assert measuring.workers_for(5, big - 1) == 0 and measuring.workers_for(0, big) == 0
    monkeypatch.setattr(measuring, "usable_cpus", lambda: 1)
    assert measuring.workers_for(5, big) == 0  # no second core: this process
    monkeypatch.setenv("FAIRGOV_MONITOR_WORKERS", "1")
    assert measuring.workers_for(5, 1) == 0
    monkeypatch.setenv("FAIRGOV_MONITOR_WORKERS", "3")
    assert measuring.workers_for(2, 1) == 2 and measuring.workers_for(1, 1) == 0
