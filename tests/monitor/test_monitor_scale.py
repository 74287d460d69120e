"""The scale paths give the numbers of the plain ones: measures in worker processes equal
measures in this process, and a period's rows read straight from the files' raw views, from a
narrow table of several periods, or from the whole checked log are the same arrays."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from fairgov.monitor import frames, log, scan
from fairgov.monitor.api import run_monitor
from fairgov.monitor.plan import resolve_plan
from fairgov.monitor.source import open_source
from fairgov.validate import compile_project


@pytest.mark.slow
def test_worker_processes_measure_the_same_numbers(
    example: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FAIRGOV_MONITOR_WORKERS", "1")
    here = run_monitor(example, store=str(tmp_path / "a.duckdb"), out=tmp_path / "a", reports=False)
    monkeypatch.setenv("FAIRGOV_MONITOR_WORKERS", "2")
    pool = run_monitor(example, store=str(tmp_path / "b.duckdb"), out=tmp_path / "b", reports=False)
    res = json.loads((tmp_path / "b/run-stats.json").read_text())["resources"]
    # both workers measured
    assert res["measure_workers"] == 2 and len(res["worker_peak_rss_mib"]) == 2
    assert (
        json.loads((tmp_path / "a/run-stats.json").read_text())["resources"]["measure_workers"] == 1
    )
    assert pool.stats["measures_computed"] == here.stats["measures_computed"] == 10
    assert pool.doc == here.doc


def _frame_dict(f: frames.Frame) -> dict:
    return {
        "label": f.label,
        "score": f.score,
        "flag": f.flag,
        "override": f.override,
        "patient": f.patient,
        **f.groups,
    }


def _assert_same(a: frames.Frame, b: frames.Frame) -> None:
    da, db = _frame_dict(a), _frame_dict(b)
    assert da.keys() == db.keys()
    for k in da:
        assert da[k].dtype == db[k].dtype, k
        np.testing.assert_array_equal(da[k], db[k], err_msg=k)


def test_frame_sources_read_the_same_rows(example: Path) -> None:
    plan = resolve_plan(compile_project(example), None)
    as_of = dt.datetime(2027, 1, 15)
    con = duckdb.connect()
    info = open_source(con, plan.monitoring.source, plan.root, plan.entry.doc.relpath)
    log.build_log(con, plan, info)  # the whole checked log: the reference
    parts = scan.parts_of(con, plan, "log", as_of)
    march = next(i for i, ps in parts.items() if any(p[0] == "2026-03-01" for p in ps))
    keys = ["2026-03-01"]
    whole = frames.fetch(con, plan, as_of, keys)
    assert (
        whole.n > 100
        and np.isnan(whole.label).sum() == 0
        and set(whole.groups) == set(plan.monitored_attributes())
    )
    sc = scan.Scan(as_of, parts)
    # one file, one period: its raw view directly
    src = scan.frame_source(con, plan, info, sc, keys)
    assert src.startswith("(") and sc.loaded == set()
    _assert_same(frames.fetch(con, plan, as_of, keys, src), whole)
    # a file that also holds another period is loaded once into a narrow table `log`
    two = {march: parts[march] + [("2026-04-01", 0, 0, 0, 0)]}
    sc = scan.Scan(as_of, two)
    assert scan.frame_source(con, plan, info, sc, keys) == "log" and sc.loaded == {march}
    _assert_same(frames.fetch(con, plan, as_of, keys), whole)
    # labels final later are pending (NaN)
    late = frames.fetch(con, plan, dt.datetime(2026, 4, 5), keys)
    assert np.isnan(late.label).sum() > 0 and late.n == whole.n
