"""The monitor run: source -> log -> periods -> checks per period (cached) -> trigger statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import fairgov
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.monitor import checks, frames, measuring, scan
from fairgov.monitor.keys import digest
from fairgov.monitor.periods import Period, periods, windows
from fairgov.monitor.plan import Plan
from fairgov.monitor.reference import load_reference
from fairgov.monitor.rules import summarise
from fairgov.monitor.source import SourceInfo, open_source, row_estimate
from fairgov.monitor.store import Store
from fairgov.reasons import Reason
from fairgov.results import RESULTS_SCHEMA_VERSION

LABELLED = ("metric",)


@dataclass
class RunStats:
    measures_computed: int = 0
    measures_reused: int = 0
    outcomes_computed: int = 0
    outcomes_reused: int = 0
    periods_fetched: int = 0
    files_read: int = 0
    files_reused: int = 0


@dataclass
class MonitorRun:
    plan: Plan
    info: SourceInfo
    as_of: dt.datetime
    periods: list[Period]
    measures: dict[str, dict[str, Any]]
    triggers: list[dict[str, Any]]
    inputs: list[dict[str, str]]
    stats: RunStats = field(default_factory=RunStats)
    #: workers and their peak RSS (run-stats.json only)
    resources: dict[str, Any] = field(default_factory=dict)


def measure_settings(plan: Plan) -> dict[str, Any]:
    return {
        "metrics": measuring.metric_names(plan),
        "attributes": plan.monitored_attributes(),
        "threshold": plan.threshold,
        "min_evidence": plan.monitoring.min_evidence.model_dump(),
        "bootstrap": plan.monitoring.bootstrap.model_dump(),
        "datasheet": plan.datasheet.model_dump(mode="json")["attributes"],
        "positive": plan.positive,
        "fairgov": fairgov.__version__,
        # a stored measure has the shape of this results schema (1.4: structured reasons)
        "results_schema": RESULTS_SCHEMA_VERSION,
    }


def scan_settings(plan: Plan) -> dict[str, Any]:
    """What shapes a log file's typed rows, checks and row hashes (the file scan cache key)."""
    return {
        "source": plan.monitoring.source.model_dump(mode="json"),
        "columns": plan.monitoring.columns.model_dump(mode="json"),
        "attributes": {a: plan.column(a) for a in plan.monitored_attributes()},
        "period": plan.monitoring.period,
        "datasheet": plan.datasheet.model_dump(mode="json")["attributes"],
        "threshold": plan.threshold,
        "classes": plan.classes,
        "fairgov": fairgov.__version__,
    }


def compute_measure(plan: Plan, frame: frames.Frame) -> dict[str, Any]:
    return measuring.run_job(measuring.job(plan, frame))


class Runner:
    """Computes what the store lacks, period by period: each period's rows are read once (one
    query), measured and checked, then dropped, so memory holds one period (or one window)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        plan: Plan,
        as_of: dt.datetime,
        store: Store,
        stats: RunStats,
        info: SourceInfo,
        sc: scan.Scan,
    ):
        self.con, self.plan, self.as_of, self.store, self.stats = con, plan, as_of, store, stats
        self.info, self.scan = info, sc
        self.new: dict[str, tuple[str, Any]] = {}
        self.references: dict[str, tuple[frames.Frame, str]] = {}
        self.resources: dict[str, Any] = {"measure_workers": 1, "worker_peak_rss_mib": []}

    def fetch(self, keys: tuple[str, ...]) -> frames.Frame:
        self.stats.periods_fetched += len(keys)
        return frames.fetch(
            self.con,
            self.plan,
            self.as_of,
            list(keys),
            scan.frame_source(self.con, self.plan, self.info, self.scan, list(keys)),
        )

    def reference(self, relpath: str) -> tuple[frames.Frame, str]:
        if relpath not in self.references:
            self.references[relpath] = load_reference(self.plan, relpath)
        return self.references[relpath]

    def outcome_key(self, check: Any, unit: list[Period], extra: str) -> str:
        return "outcome:" + digest(
            [
                check.model_dump(mode="json"),
                [u.rows_hash for u in unit],
                measure_settings(self.plan),
                self.plan.entry.model.intended_population.distribution,
                extra,
            ]
        )

    def execute(
        self,
        items: list[Period],
        units: dict[str, list[Period]],
        measurer: measuring.Measurer,
        idle: Callable[[], None] | None = None,
    ) -> tuple[dict[str, dict[str, Any]], list[list[dict[str, Any]]]]:
        """(measures per judged period, each trigger's outcome per period); `measurer`'s pool
        may already be running (started before the scan); `idle()` runs once every measure is
        submitted, while workers finish them."""
        settings = measure_settings(self.plan)
        mkeys = {
            p: "measure:" + digest([settings, [u.rows_hash for u in unit]])
            for p, unit in units.items()
        }
        checks_ = [t.check for _, t in self.plan.triggers]
        okeys: dict[tuple[int, str], str] = {}
        for ci, check in enumerate(checks_):
            extra = self.reference(check.reference)[1] if check.type == "score_shift" else ""
            for p in items:
                if check.type in LABELLED and not p.judged:
                    continue
                okeys[(ci, p.key)] = self.outcome_key(
                    check, units.get(p.key, [p]) if check.type in LABELLED else [p], extra
                )
        cached = self.store.get_many(list(dict.fromkeys([*mkeys.values(), *okeys.values()])))
        measures: dict[str, Any] = {}
        done: dict[tuple[int, str], dict[str, Any]] = {}
        todo_m = [p for p, k in mkeys.items() if k not in cached]
        measurer.expect(len(todo_m), sum(u.n_labelled for p in todo_m for u in units[p]))
        for p in items:
            unit = tuple(u.key for u in units[p.key]) if p.key in units else None
            todo = [
                ci
                for ci, c in enumerate(checks_)
                if c.type not in LABELLED and okeys[(ci, p.key)] not in cached
            ]
            frame = (
                self.fetch((p.key,))
                if todo or (unit == (p.key,) and mkeys[p.key] not in cached)
                else None
            )
            if unit is not None and mkeys[p.key] not in cached:
                own = frame if unit == (p.key,) else self.fetch(unit)
                assert own is not None  # fetched above whenever this period measures itself
                measurer.submit(p.key, own)
            for ci in todo:
                assert frame is not None  # fetched above whenever a label-free check is due
                done[(ci, p.key)] = self.compute(checks_[ci], frame)
            del frame
        if idle is not None:
            idle()
        computed = measurer.results()
        self.resources = {
            "measure_workers": measurer.workers if measurer.pool else 1,
            "worker_peak_rss_mib": sorted(round(v) for v in measurer.worker_rss_mib.values()),
        }
        measurer.close()
        for pkey, mkey in mkeys.items():
            if mkey in cached:
                measures[pkey], self.stats.measures_reused = (
                    cached[mkey],
                    self.stats.measures_reused + 1,
                )
            else:
                measures[pkey] = computed[pkey]
                self.new[mkey] = ("measure", measures[pkey])
                self.stats.measures_computed += 1
        outcomes = []
        for ci, check in enumerate(checks_):
            out = []
            for p in items:
                key = okeys.get((ci, p.key))
                if key is None:
                    due = p.end + dt.timedelta(days=self.plan.monitoring.label_delay)
                    rec = checks._record(
                        "pending", reasons=[Reason("labels-pending", {"due": str(due)})]
                    )
                elif key in cached:
                    rec = checks.upgraded(cached[key])  # a v2 store's record gains `reasons`
                    self.stats.outcomes_reused += 1
                else:
                    rec = (
                        done[(ci, p.key)]
                        if (ci, p.key) in done
                        else checks.metric_outcome(check, measures[p.key])
                    )
                    self.new[key] = ("outcome", rec)
                    self.stats.outcomes_computed += 1
                out.append({"period": p.key, **rec})
            outcomes.append(out)
        return measures, outcomes

    def compute(self, check: Any, frame: frames.Frame) -> dict[str, Any]:
        """A label-free check on one period's rows."""
        ev, level = self.plan.monitoring.min_evidence, self.plan.monitoring.bootstrap.level
        if check.type == "composition":
            intended = self.plan.entry.model.intended_population.distribution[check.across]
            return checks.composition_outcome(check, frame, intended, level, ev.n)
        if check.type == "score_shift":
            return checks.score_shift_outcome(
                check, frame, self.reference(check.reference)[0], ev.n
            )
        return checks.rate_outcome(check, frame, level, ev.n)


def run(
    plan: Plan,
    store_path: Path,
    as_of: dt.datetime | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    idle: Callable[[], None] | None = None,
) -> MonitorRun:
    """`idle()`: work of the caller's to do while the last measures run (see `execute`)."""
    spill = plan.cache / "monitor" / "spill"  # DuckDB spills the log here beyond its memory limit
    try:
        spill.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FairgovError(
            Diagnostic(
                str(spill),
                1,
                1,
                "FG712",
                f"cannot create the monitor's work folder: {err.strerror or err}",
            )
        ) from err
    con = duckdb.connect(config={"memory_limit": "1GB", "temp_directory": str(spill)})
    info = open_source(con, plan.monitoring.source, plan.root, plan.entry.doc.relpath)
    stats = RunStats()
    with Store(store_path) as store, measuring.Measurer(plan) as measurer:
        sc = scan.scan(
            con,
            plan,
            info,
            store,
            store_path.with_name(store_path.name + ".scans"),
            as_of,
            digest(scan_settings(plan)),
            # new files mean new measures: the workers start while the files are read
            lambda fresh: measurer.start_early(len(fresh), row_estimate(con, info, fresh)),
        )
        as_of = sc.as_of
        stats.files_read, stats.files_reused = (
            sc.files_read,
            max(0, len(info.files) - sc.files_read),
        )
        items = periods(plan, sc.parts, as_of, since, until)
        units = windows(items, plan.monitoring.window)
        runner = Runner(con, plan, as_of, store, stats, info, sc)
        measures, outcomes = runner.execute(items, units, measurer, idle)
        triggers = [
            summarise(i, t, out) for (i, t), out in zip(plan.triggers, outcomes, strict=True)
        ]
        store.put_many({**sc.new, **runner.new})  # file scans with the results: one transaction
    if info.kind == "file":
        inputs = [
            {"path": n, "sha256": sc.sha256[i], "role": "production-log"}
            for i, n in enumerate(info.names)
        ]
    else:  # a database has no file to hash: the digest of every period's row hash stands in
        inputs = [
            {
                "path": info.names[0],
                "sha256": digest([p.rows_hash for p in items]),
                "role": "production-log",
            }
        ]
    inputs += [
        {"path": rel, "sha256": sha, "role": "reference-scores"}
        for rel, (_, sha) in sorted(runner.references.items())
    ]
    con.close()
    return MonitorRun(plan, info, as_of, items, measures, triggers, inputs, stats, runner.resources)
